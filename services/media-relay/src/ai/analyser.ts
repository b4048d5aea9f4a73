import type { IncomingMessage, ServerResponse } from "node:http";
import { aiDesired, aiResultReported, aiSnapshotAuthorize, aiTasksChanged, type ActiveTemplate, type AiResultReport, type Bus, type DesiredAnalysis, type DetectType } from "@ivc/bus";
import { joinAnnexB, ParameterSetCache, splitAnnexB, type Frame, type VideoFrame } from "@ivc/media";
import { Counter, Gauge, type Logger, type Registry } from "@ivc/runtime";
import type { StreamSession } from "../stream-session.js";
import { CoalescedRun } from "../coalesced-run.js";
import { StorageMissingError, type SegmentStorage } from "../recording/storage/segment-storage.js";
import type { Detection, Detector } from "./detector.js";
import { decodeKeyframe, type DecodedKeyframe } from "./keyframe-decoder.js";

/** `/ai/snapshot/<storage key>?Expires=&Signature=` (the API signs; services/api/src/ai/snapshot-urls.ts). */
const SNAPSHOT_PATH = /^\/ai\/snapshot\/(ai\/[A-Za-z0-9_./-]{1,400}\.jpg)$/;

export interface AnalyserMetrics {
  snapshots: Counter<"outcome">;
  /** Snapshots due while the analysis slots were busy: the interval stretched for that channel. */
  stretched: Counter;
  decodeCpuSeconds: Counter;
  detectCpuSeconds: Counter;
  channels: Gauge;
}

export function createAnalyserMetrics(registry: Registry): AnalyserMetrics {
  const registers = [registry];
  return {
    snapshots: new Counter({ name: "ivc_ai_snapshots_total", help: "AI snapshots by outcome (reported, failed)", labelNames: ["outcome"], registers }),
    stretched: new Counter({ name: "ivc_ai_snapshots_stretched_total", help: "Snapshots postponed because analysis was at capacity (intervals stretched)", registers }),
    decodeCpuSeconds: new Counter({ name: "ivc_ai_decode_cpu_seconds_total", help: "ffmpeg CPU spent decoding snapshot keyframes", registers }),
    detectCpuSeconds: new Counter({ name: "ivc_ai_detect_cpu_seconds_total", help: "CPU spent in the detectors (COCO and user ONNX models)", registers }),
    channels: new Gauge({ name: "ivc_ai_channels", help: "Channels the API asks this relay to analyse", registers }),
  };
}

export interface AnalyserDeps {
  bus: Bus;
  clusterId: string;
  /** Streams this process already has: analysis rides on the recorder's stream, it never opens one. */
  streams: { get(streamId: string): StreamSession | undefined };
  storage: SegmentStorage;
  logger: Logger;
  metrics: AnalyserMetrics;
  /**
   * The model that answers a DetectType (the COCO detector or a user's ONNX file), loaded once on
   * first need; undefined when none is configured or it cannot load: that type then reports nothing.
   */
  detectorFor: (type: DetectType) => Promise<Detector | undefined>;
  pollMs: number;
  /** Snapshots decoded and analysed at once; more due are postponed to the next keyframe. */
  maxConcurrent: number;
  now?: () => number;
  decode?: typeof decodeKeyframe;
}

interface AnalysedChannel {
  desired: DesiredAnalysis;
  session?: StreamSession;
  detach?: () => void;
  params?: ParameterSetCache;
  /** When each template (by tag/detectType) is next due, epoch ms. */
  dueAt: Map<string, number>;
}

const templateKey = (t: ActiveTemplate) => `${t.tag}/${t.detectType ?? ""}`;

/**
 * Takes a keyframe every TimeInterval seconds from the recorded channels the API names
 * (`api.ai.desired`, polled and asked again on `ai.tasks.changed`), stores it as a JPEG beside the
 * recordings, runs each AI template's model (the COCO detector or a user's ONNX file) and reports
 * each template's result (`api.ai.result`). Work is bounded by
 * `maxConcurrent`: a due snapshot that finds no free slot waits for a later keyframe, so overload
 * stretches intervals (counted) instead of queueing without end, and never touches the frames
 * that viewers and the recorder get.
 */
export class Analyser {
  private readonly channels = new Map<string, AnalysedChannel>();
  private timer: NodeJS.Timeout | undefined;
  private subscription: { unsubscribe(): void } | undefined;
  /** One question at a time; a change pushed while one is under way asks once more after it, so its answer is not missed. */
  private readonly polls = new CoalescedRun(() => this.poll());
  private inFlight = 0;
  private readonly jobs = new Set<Promise<void>>();
  private stopped = false;
  private readonly now: () => number;
  private readonly warned = new Set<string>();

  constructor(private readonly deps: AnalyserDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Polls every `pollMs` and at once when the API pushes a task change (A7 "off" stops now). */
  start(): void {
    const refresh = () => void this.polls.run();
    this.subscription = this.deps.bus.subscribe(aiTasksChanged, refresh);
    refresh();
    this.timer = setInterval(refresh, this.deps.pollMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.subscription?.unsubscribe();
    clearInterval(this.timer);
    for (const channel of this.channels.values()) channel.detach?.();
    this.channels.clear();
    await Promise.allSettled([...this.jobs]);
  }

  /** Resolves when the snapshots under way are stored and reported (tests). */
  async idle(): Promise<void> {
    while (this.jobs.size > 0) await Promise.allSettled([...this.jobs]);
  }

  async poll(): Promise<void> {
    if (this.stopped) return;
    try {
      const { analyses } = await this.deps.bus.request(aiDesired, { clusterId: this.deps.clusterId }, {}, { timeoutMs: Math.max(1000, this.deps.pollMs) });
      this.reconcile(analyses);
    } catch (err) {
      // The API's last answer stands until it answers again.
      this.deps.logger.warn({ stage: "ai schedule query", err: (err as Error).message }, "could not ask the API what to analyse; keeping the current analyses");
    }
    this.attach();
  }

  /** The answer is the whole truth: a task turned off, out of its windows or a channel no longer recorded stops here. */
  reconcile(analyses: readonly DesiredAnalysis[]): void {
    const wanted = new Map(analyses.map((a) => [`${a.taskId}/${a.streamId}`, a]));
    for (const [key, channel] of this.channels) {
      if (wanted.has(key)) continue;
      channel.detach?.();
      this.channels.delete(key);
      this.deps.logger.info({ stage: "ai", taskId: channel.desired.taskId, streamId: channel.desired.streamId }, "AI analysis stopped");
    }
    for (const [key, desired] of wanted) {
      const existing = this.channels.get(key);
      if (existing) existing.desired = desired;
      else this.channels.set(key, { desired, dueAt: new Map() });
    }
    this.deps.metrics.channels.set(this.channels.size);
  }

  private attach(): void {
    for (const channel of this.channels.values()) {
      if (channel.session !== undefined && channel.session.state !== "ended") continue;
      channel.detach?.();
      delete channel.detach;
      delete channel.session;
      const session = this.deps.streams.get(channel.desired.streamId);
      if (session === undefined || session.state === "ended") continue;
      channel.session = session;
      channel.detach = session.tapFrames((frame) => this.onFrame(channel, frame));
    }
  }

  private onFrame(channel: AnalysedChannel, frame: Frame): void {
    if (frame.kind !== "video" || this.stopped) return;
    const nalus = frame.nalus ?? splitAnnexB(frame.data);
    if (channel.params?.codec !== frame.codec) channel.params = new ParameterSetCache(frame.codec);
    channel.params.update(nalus);
    if (!frame.keyframe) return;
    const now = this.now();
    const due = channel.desired.templates.filter((t) => (channel.dueAt.get(templateKey(t)) ?? 0) <= now);
    if (due.length === 0) return;
    if (this.inFlight >= this.deps.maxConcurrent) {
      this.deps.metrics.stretched.inc();
      return;
    }
    for (const t of due) channel.dueAt.set(templateKey(t), now + t.intervalSeconds * 1000);
    const job = this.snapshot(channel.desired, channel.params, frame, nalus, due, now).finally(() => {
      this.inFlight--;
      this.jobs.delete(job);
    });
    this.inFlight++;
    this.jobs.add(job);
  }

  private async snapshot(desired: DesiredAnalysis, params: ParameterSetCache, frame: VideoFrame, nalus: readonly Buffer[], due: readonly ActiveTemplate[], takenAtMs: number): Promise<void> {
    const log = { stage: "ai snapshot", taskId: desired.taskId, deviceId: desired.deviceId, channelId: desired.channelId, streamId: desired.streamId };
    try {
      const current = params.current;
      if (current === undefined) throw new Error("no SPS/PPS seen yet on this stream");
      const parameterSets = [current.vps, current.sps, current.pps].filter((b): b is Buffer => b !== undefined);
      const detectors = await this.detectorsFor(due, log);
      // One decode for all: each distinct input size once, each distinct model run once (COCO serves three types).
      const models = [...new Set(detectors.values())];
      const sizes = [...new Map(models.map((d) => [`${d.inputSize.width}x${d.inputSize.height}`, d.inputSize])).values()];
      const decoded: DecodedKeyframe = await (this.deps.decode ?? decodeKeyframe)(frame.codec, joinAnnexB([...parameterSets, ...nalus]), { detectSizes: sizes });
      if (Number.isFinite(decoded.cpuMs)) this.deps.metrics.decodeCpuSeconds.inc(decoded.cpuMs / 1000);
      const day = new Date(takenAtMs).toISOString().slice(0, 10).replaceAll("-", "");
      const key = `ai/${desired.deviceId}/${desired.channelId}/${day}/${takenAtMs}.jpg`;
      await this.deps.storage.put(key, decoded.jpeg);
      const found = new Map<Detector, Detection[]>();
      for (const model of models) {
        const rgb = decoded.rgb[sizes.findIndex((s) => s.width === model.inputSize.width && s.height === model.inputSize.height)]!;
        const boxes = await this.detect(model, rgb, current.width, current.height, log);
        if (boxes !== undefined) found.set(model, boxes);
      }
      for (const t of due) {
        let detections: Detection[] = [];
        if (t.tag === "AI") {
          const type = t.detectType;
          const model = type === undefined ? undefined : detectors.get(type);
          const boxes = model === undefined ? undefined : found.get(model);
          // No model, or it failed on this frame: report nothing rather than an empty or guessed result.
          if (type === undefined || model === undefined || boxes === undefined) continue;
          detections = model.select(type, boxes);
        }
        await this.report({ taskId: desired.taskId, deviceId: desired.deviceId, channelId: desired.channelId, tag: t.tag, ...(t.detectType ? { detectType: t.detectType } : {}), takenAtMs, snapshotKey: key, detections, keepDays: desired.keepDays });
      }
      this.deps.metrics.snapshots.inc({ outcome: "reported" });
    } catch (err) {
      this.deps.metrics.snapshots.inc({ outcome: "failed" });
      this.deps.logger.warn({ ...log, err: (err as Error).message }, "AI snapshot failed");
    }
  }

  /** The loaded model of each due AI template's DetectType; types without one are left out (warned once). */
  private async detectorsFor(due: readonly ActiveTemplate[], log: object): Promise<Map<DetectType, Detector>> {
    const detectors = new Map<DetectType, Detector>();
    for (const t of due) {
      if (t.tag !== "AI" || t.detectType === undefined || detectors.has(t.detectType)) continue;
      const detector = await this.deps.detectorFor(t.detectType);
      if (detector !== undefined) detectors.set(t.detectType, detector);
      else this.warnOnce(`model ${t.detectType}`, { ...log, detectType: t.detectType }, "no model loaded for this DetectType: snapshot stored, no result reported (a detection no model made is never reported)");
    }
    return detectors;
  }

  private async detect(detector: Detector, rgb: Buffer, width: number, height: number, log: object): Promise<Detection[] | undefined> {
    const before = process.cpuUsage();
    try {
      return await detector.detect(rgb, width, height);
    } catch (err) {
      // Once per distinct error: a model that breaks the output contract would otherwise log every snapshot.
      const message = (err as Error).message;
      this.warnOnce(`detect ${message}`, { ...log, stage: "ai detect", err: message }, "the detector failed on this snapshot: its DetectTypes report nothing for it");
      return undefined;
    } finally {
      const used = process.cpuUsage(before);
      this.deps.metrics.detectCpuSeconds.inc((used.user + used.system) / 1e6);
    }
  }

  /** Retried a few times: the API stores a result once however often it is reported. */
  private async report(request: AiResultReport): Promise<void> {
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.deps.bus.request(aiResultReported, { clusterId: this.deps.clusterId }, request, { timeoutMs: 5000 });
        return;
      } catch (err) {
        lastError = err as Error;
      }
    }
    throw lastError ?? new Error("AI result not reported");
  }

  private warnOnce(key: string, log: object, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.deps.logger.warn(log, message);
  }

  /** Serves a snapshot whose URL the API signed (asked over the bus); false for other paths. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? "/", "http://relay");
    const match = SNAPSHOT_PATH.exec(url.pathname);
    if (match === null) return false;
    const key = match[1]!;
    void this.serveSnapshot(key, url, res).catch((err: Error) => {
      this.deps.logger.warn({ stage: "ai snapshot serve", key, err: err.message }, "AI snapshot could not be served");
      if (!res.headersSent) send(res, 503, "storage unavailable");
    });
    return true;
  }

  private async serveSnapshot(key: string, url: URL, res: ServerResponse): Promise<void> {
    const expires = Number(url.searchParams.get("Expires"));
    const signature = url.searchParams.get("Signature") ?? "";
    if (key.split("/").some((p) => p === "." || p === "..") || !Number.isSafeInteger(expires) || expires < 0 || signature === "") return send(res, 403, "unsigned snapshot URL");
    const verdict = await this.deps.bus.request(aiSnapshotAuthorize, { clusterId: this.deps.clusterId }, { key, expires, signature }, { timeoutMs: 5000 });
    if (!verdict.allowed) return send(res, 403, verdict.reason ?? "forbidden");
    try {
      const jpeg = await this.deps.storage.read(key, "standard");
      res.writeHead(200, { "content-type": "image/jpeg", "content-length": jpeg.length, "cache-control": "private, max-age=300" });
      res.end(jpeg);
    } catch (err) {
      if (err instanceof StorageMissingError) return send(res, 404, "snapshot deleted");
      throw err;
    }
  }
}

function send(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(message);
}
