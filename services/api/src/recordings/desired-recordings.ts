import type { DesiredRecording as RelayDesiredRecording } from "@ivc/bus";
import { deviceChannelStreamId } from "@ivc/media";
import { DEFAULT_UTC_OFFSET_MINUTES } from "@ivc/runtime";
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { devices, recordPlans, recordTemplates } from "../db/schema.js";
import { effectivePlanId, membersSubquery } from "../store/plan-membership.js";
import { liveStreamId } from "../streams/live-stream-id.js";
import { scheduleAt } from "./schedule.js";

export interface DesiredRecording {
  /** Device and channel ids (UUIDs) as the API shows them. */
  deviceId: string;
  channelId: string;
  deviceCode: string;
  channelCode: string;
  /** The relay's live stream id (src/streams/live-stream-id.ts). */
  streamId: string;
  /** The device's service node: the relay that pulls it. */
  clusterId: string;
  planId: string;
  /** The plan's StreamType: default, main, sub or a device-specific name. */
  streamType: string;
  /** LifeCycle.Transition: days a segment stays in hot (standard) storage. */
  transitionDays: number;
  /** LifeCycle.Expiration: days in cold storage after that (0: none); deleted after transition + expiration days. */
  expirationDays: number;
  /** When the template's schedule next stops recording this channel; undefined: never (the whole week). */
  until: Date | undefined;
}

/**
 * Channels whose live-to-cloud plan says "record now" at `now`: the plan's template is active in
 * the site's zone (RECORD_TIME_ZONE as `utcOffsetMinutes` east of UTC), the channel's device is not disabled, and, when
 * `clusterId` is given, the device belongs to that service node. Online or not: the recorder retries
 * an offline device and the timeline shows the gap.
 */
export async function listDesiredRecordings(
  db: Db,
  clusterId: string | undefined,
  now: Date,
  utcOffsetMinutes = DEFAULT_UTC_OFFSET_MINUTES,
): Promise<DesiredRecording[]> {
  const plans = await db
    .select({ plan: recordPlans, sections: recordTemplates.timeSections })
    .from(recordPlans)
    .innerJoin(recordTemplates, eq(recordTemplates.id, recordPlans.templateId))
    .where(eq(recordPlans.kind, "live"));
  const active = new Map<string, { plan: typeof recordPlans.$inferSelect; until: Date | undefined }>();
  for (const { plan, sections } of plans) {
    const state = scheduleAt(sections, now, utcOffsetMinutes);
    if (state.active) active.set(plan.id, { plan, until: state.nextChange });
  }
  if (active.size === 0) return [];
  const members = membersSubquery(
    db,
    "live",
    and(inArray(effectivePlanId, [...active.keys()]), eq(devices.disabled, false), clusterId === undefined ? undefined : eq(devices.clusterId, clusterId)),
  );
  const rows = await db
    .select({
      deviceId: members.deviceId,
      channelId: members.channelId,
      deviceCode: members.deviceCode,
      channelCode: members.channelCode,
      accessProtocol: members.accessProtocol,
      clusterId: members.clusterId,
      planId: members.planId,
    })
    .from(members);
  return rows.flatMap((m) => {
    const entry = m.planId === null ? undefined : active.get(m.planId);
    if (!entry) return [];
    return [
      {
        deviceId: m.deviceId,
        channelId: m.channelId,
        deviceCode: m.deviceCode,
        channelCode: m.channelCode,
        streamId: liveStreamId(m.accessProtocol, m.deviceCode, m.channelCode),
        clusterId: m.clusterId,
        planId: entry.plan.id,
        streamType: entry.plan.streamType,
        transitionDays: entry.plan.transitionDays,
        expirationDays: entry.plan.expirationDays,
        until: entry.until,
      },
    ];
  });
}

/**
 * A desired recording as the relay's recorder takes it (packages/bus `recording.desired`): device
 * and channel codes and the live stream. Only GB channels (`<device>_<channel>` streams the relay
 * INVITEs itself); RTMP and gateway channels are not recorded yet, so they are left out here
 * rather than sent to a recorder that would INVITE a device that is not GB.
 */
export function forRelayRecorder(desired: DesiredRecording): RelayDesiredRecording[] {
  if (desired.streamId !== deviceChannelStreamId(desired.deviceCode, desired.channelCode)) return [];
  const { streamId, planId, transitionDays, expirationDays } = desired;
  return [{ deviceId: desired.deviceCode, channelId: desired.channelCode, streamId, planId, transitionDays, expirationDays }];
}
