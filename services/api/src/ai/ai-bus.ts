import { siteDateTime } from "@ivc/runtime";
import { aiDesired, aiResultReported, aiSnapshotAuthorize, aiTasksChanged, ANY_CLUSTER, type AiResultReport, type Bus, type DesiredAnalysis } from "@ivc/bus";
import { and, eq, inArray } from "drizzle-orm";
import { publishNotice, type WarnLogger } from "../bus/publish-notice.js";
import type { Db } from "../db/database.js";
import { aiResults, aiTaskChannels, aiTasks, channels, devices } from "../db/schema.js";
import { clusterOf } from "../recordings/recording-bus.js";
import { DAY_MS } from "../recordings/segment-index.js";
import type { CallbackDispatcher } from "./callbacks.js";
import type { SnapshotUrls } from "./snapshot-urls.js";
import { intervalOf, templateActive, type AiTemplate } from "./templates.js";

/** A recorded channel as `api.recording.desired` hands it to the relay (codes, stream id). */
export interface RecordedChannel {
  readonly deviceCode: string;
  readonly channelCode: string;
  readonly streamId: string;
  /** The recording plan's LifeCycle: the channel's snapshots are deleted after Transition + Expiration days, as its segments. */
  readonly transitionDays: number;
  readonly expirationDays: number;
}

export interface AiBusDeps {
  readonly db: Db;
  /** What the cluster records now: analysis rides on those streams only (no INVITE of its own). */
  readonly recordedChannels: (clusterId: string, now: Date) => Promise<RecordedChannel[]>;
  readonly callbacks: CallbackDispatcher;
  readonly snapshotUrls: SnapshotUrls;
  /** The snapshot URL's base for a cluster (its relay's media HTTP address). */
  readonly mediaBase: (clusterId: string) => Promise<string | undefined>;
  readonly utcOffsetMinutes: number;
  readonly now?: () => Date;
}

const QUEUE = "api";

/** Tells the relays a task changed (A1 started, A2, A3, A7) so they re-read what to analyse now, not at their next poll. */
export interface AiTaskNotices {
  changed(taskId: string): void;
}

export function createNatsAiTaskNotices(bus: Bus, logger: WarnLogger): AiTaskNotices {
  return {
    changed(taskId) {
      // Unpublished, the relays' poll picks the change up within AI_POLL_MS.
      publishNotice(bus, logger, aiTasksChanged, { taskId, at: Date.now() }, { stage: "ai task notice", taskId });
    },
  };
}

/** The callback key and info key of a DetectType (spec 04 A8). */
const recognitionKey = (type: string) => `${type}Recognition`;

/**
 * Channels of tasks that are on, with the templates whose windows are open at `now`, restricted to
 * channels the cluster is recording: a channel out of its recording plan, deleted, or of a task
 * turned off drops out of the answer, which ends its analysis at the relay's next poll.
 */
export async function listDesiredAnalyses(db: Db, recorded: readonly RecordedChannel[], now: Date, utcOffsetMinutes: number): Promise<DesiredAnalysis[]> {
  if (recorded.length === 0) return [];
  const byCode = new Map(recorded.map((r) => [`${r.deviceCode}/${r.channelCode}`, r]));
  const rows = await db
    .select({ taskId: aiTasks.id, templates: aiTasks.templates, deviceCode: devices.code, channelCode: channels.code })
    .from(aiTaskChannels)
    .innerJoin(aiTasks, eq(aiTasks.id, aiTaskChannels.taskId))
    .innerJoin(channels, eq(channels.id, aiTaskChannels.channelId))
    .innerJoin(devices, eq(devices.id, channels.deviceId))
    .where(and(eq(aiTasks.status, "on"), inArray(channels.code, [...new Set(recorded.map((r) => r.channelCode))])));
  return rows.flatMap((row) => {
    const stream = byCode.get(`${row.deviceCode}/${row.channelCode}`);
    const templates = row.templates.filter((t) => templateActive(t, now, utcOffsetMinutes));
    if (stream === undefined || templates.length === 0) return [];
    return [
      {
        taskId: row.taskId,
        deviceId: row.deviceCode,
        channelId: row.channelCode,
        streamId: stream.streamId,
        keepDays: stream.transitionDays + stream.expirationDays,
        templates: templates.map((t) => ({ tag: t.Tag, ...(t.AIConfig ? { detectType: t.AIConfig.DetectType } : {}), intervalSeconds: intervalOf(t) })),
      },
    ];
  });
}

interface StoredFor {
  appId: string;
  channelId: string;
  callbackUrl: string;
  template: AiTemplate | undefined;
}

/** Stores a reported result once; undefined when the task no longer has that channel (or is gone). */
async function storeResult(db: Db, clusterId: string, report: AiResultReport): Promise<{ stored: StoredFor; inserted: boolean } | undefined> {
  const [row] = await db
    .select({ appId: aiTasks.appId, channelId: channels.id, callbackUrl: aiTasks.callbackUrl, templates: aiTasks.templates })
    .from(aiTaskChannels)
    .innerJoin(aiTasks, eq(aiTasks.id, aiTaskChannels.taskId))
    .innerJoin(channels, eq(channels.id, aiTaskChannels.channelId))
    .innerJoin(devices, eq(devices.id, channels.deviceId))
    .where(and(eq(aiTaskChannels.taskId, report.taskId), eq(channels.code, report.channelId), eq(devices.code, report.deviceId)));
  if (!row) return undefined;
  const inserted = await db
    .insert(aiResults)
    .values({
      taskId: report.taskId,
      appId: row.appId,
      channelId: row.channelId,
      tag: report.tag,
      detectType: report.detectType ?? "",
      takenAt: new Date(report.takenAtMs),
      clusterId,
      snapshotKey: report.snapshotKey,
      objects: report.detections.map((d) => ({ Name: d.name, Score: d.score, X: d.x, Y: d.y, Width: d.width, Height: d.height })),
      expireAt: new Date(report.takenAtMs + report.keepDays * DAY_MS),
    })
    .onConflictDoNothing()
    .returning({ id: aiResults.id });
  const template = row.templates.find((t) => (report.detectType === undefined ? t.Tag === "Snapshot" : t.AIConfig?.DetectType === report.detectType));
  return { stored: { appId: row.appId, channelId: row.channelId, callbackUrl: row.callbackUrl, template }, inserted: inserted.length > 0 };
}

/**
 * The A8 payload of one analysed snapshot, plus the extensions a receiver needs to tell results
 * apart (docs/api-decisions.md): TaskId, ChannelId, CaptureTime (site time) and CaptureTimestamp (epoch s).
 */
export function callbackPayload(taskId: string, channelId: string, template: AiTemplate, report: AiResultReport, url: string, utcOffsetMinutes: number): unknown {
  const type = report.detectType ?? "";
  const info = report.detections.map((d) => {
    const Location = { X: d.x, Y: d.y, Height: d.height, Width: d.width };
    return type === "Car"
      ? { Serial: "", Brand: "", Type: d.name, Color: "", Confidence: d.score, Year: 0, PlateContent: { Plate: "", Color: "", Type: "", Location: { X: 0, Y: 0, Height: 0, Width: 0 } }, Location }
      : { Name: d.name, Score: d.score, Location };
  });
  return {
    Tag: template.Tag,
    ...(template.AIConfig ? { AIConfig: template.AIConfig } : { SnapshotConfig: template.SnapshotConfig }),
    AIJobDetail: { [recognitionKey(type)]: [{ Time: "0.000000", Url: url, [`${type}Info`]: info }] },
    TaskId: taskId,
    ChannelId: channelId,
    CaptureTime: siteDateTime(new Date(report.takenAtMs), utcOffsetMinutes),
    CaptureTimestamp: Math.floor(report.takenAtMs / 1000),
  };
}

/** The relays' AI questions: what to analyse now, store this result, may this snapshot URL be served. */
export function serveAiBus(bus: Bus, deps: AiBusDeps): Array<{ unsubscribe(): void }> {
  const now = deps.now ?? (() => new Date());
  const options = { queue: QUEUE };
  return [
    bus.reply(
      aiDesired,
      { clusterId: ANY_CLUSTER },
      async (_request, meta) => {
        const at = now();
        return { analyses: await listDesiredAnalyses(deps.db, await deps.recordedChannels(clusterOf(meta), at), at, deps.utcOffsetMinutes) };
      },
      options,
    ),
    bus.reply(
      aiResultReported,
      { clusterId: ANY_CLUSTER },
      async (report, meta) => {
        const clusterId = clusterOf(meta);
        const result = await storeResult(deps.db, clusterId, report);
        if (result === undefined) return { stored: false };
        const { stored, inserted } = result;
        // A retried report stores nothing new and calls back nothing new; a result with no detection is not called back ("没有识别结果就不展示").
        if (inserted && stored.callbackUrl !== "" && stored.template !== undefined && report.tag === "AI" && report.detections.length > 0) {
          const base = await deps.mediaBase(clusterId);
          const url = base === undefined ? "" : deps.snapshotUrls.url(base, report.snapshotKey, Math.floor(now().getTime() / 1000));
          deps.callbacks.send({ url: stored.callbackUrl, taskId: report.taskId, channelId: stored.channelId, body: callbackPayload(report.taskId, stored.channelId, stored.template, report, url, deps.utcOffsetMinutes) });
        }
        return { stored: true };
      },
      options,
    ),
    bus.reply(
      aiSnapshotAuthorize,
      { clusterId: ANY_CLUSTER },
      async (request, meta) => {
        const checked = deps.snapshotUrls.check(request.key, request.expires, request.signature, Math.floor(now().getTime() / 1000));
        if (!checked.allowed) return { allowed: false, reason: checked.reason };
        const known = await deps.db.select({ id: aiResults.id }).from(aiResults).where(and(eq(aiResults.snapshotKey, request.key), eq(aiResults.clusterId, clusterOf(meta)))).limit(1);
        return known.length > 0 ? { allowed: true } : { allowed: false, reason: "no result names this snapshot" };
      },
      options,
    ),
  ];
}
