import type { StoredSegment } from "@ivc/bus";
import { and, asc, eq, gt, isNotNull, isNull, lt, lte, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { recordingSegments, recordingSpans } from "../db/schema.js";
import { ADJACENT_GAP_SECONDS, leavesUncovered, type TimeSpan } from "./timeline-segments.js";

export const DAY_MS = 86_400_000;

export interface IndexedSegment {
  startMs: number;
  endMs: number;
  bytes: number;
  storageClass: "standard" | "cold";
  objectKey: string;
}

/**
 * Adds a durable segment's row; a report of a key already indexed (a retry, a journal replay after
 * a crash) changes nothing but the size: an upload resumed from before its last stored segment
 * writes that segment again under the same key (the device's timestamps), and the bytes now stored
 * are the new ones. Its lifecycle dates are fixed now from the plan's LifeCycle.
 */
export async function indexSegment(db: Db, clusterId: string, segment: StoredSegment): Promise<void> {
  await db
    .insert(recordingSegments)
    .values({
      clusterId,
      deviceCode: segment.deviceId,
      channelCode: segment.channelId,
      planId: segment.planId,
      startAt: new Date(segment.startMs),
      endAt: new Date(segment.endMs),
      bytes: segment.bytes,
      storage: segment.storage,
      objectKey: segment.objectKey,
      transitionAt: new Date(segment.endMs + segment.transitionDays * DAY_MS),
      expireAt: new Date(segment.endMs + (segment.transitionDays + segment.expirationDays) * DAY_MS),
    })
    .onConflictDoUpdate({ target: recordingSegments.objectKey, set: { bytes: sql`excluded.bytes` } });
}

/**
 * The channel's segments overlapping [startMs, endMs). They start at most the channel's longest
 * segment before startMs (recording_channel_extents, migration 0014), so the index scan starts
 * there, not at the channel's first segment ever.
 */
function segmentsOverlapping(deviceCode: string, channelCode: string, startMs: number, endMs: number) {
  return [
    eq(recordingSegments.deviceCode, deviceCode),
    eq(recordingSegments.channelCode, channelCode),
    lt(recordingSegments.startAt, new Date(endMs)),
    sql`${recordingSegments.startAt} >= ${new Date(startMs).toISOString()}::timestamptz - coalesce((SELECT longest_segment FROM recording_channel_extents WHERE device_code = ${deviceCode} AND channel_code = ${channelCode}), interval '0')`,
    gt(recordingSegments.endAt, new Date(startMs)),
  ];
}

const toSpan = (row: { startAt: Date; endAt: Date }): TimeSpan => ({ startMs: row.startAt.getTime(), endMs: row.endAt.getTime() });

/**
 * The channel's segments overlapping [startMs, endMs), in time order. A cold segment whose
 * retrieval copy is valid at `now` counts as standard: its copy is where standard bytes are read
 * (playback, downloads, the timeline); past `restored_until` it is cold again (42506) even before
 * the relay has removed the copy.
 */
export async function segmentsInRange(db: Db, deviceCode: string, channelCode: string, startMs: number, endMs: number, now = new Date()): Promise<IndexedSegment[]> {
  const rows = await db
    .select({
      startAt: recordingSegments.startAt,
      endAt: recordingSegments.endAt,
      bytes: recordingSegments.bytes,
      storageClass: sql<string>`case when ${recordingSegments.restoredUntil} > ${now.toISOString()}::timestamptz then 'standard' else ${recordingSegments.storageClass} end`,
      objectKey: recordingSegments.objectKey,
    })
    .from(recordingSegments)
    .where(and(...segmentsOverlapping(deviceCode, channelCode, startMs, endMs)))
    .orderBy(asc(recordingSegments.startAt));
  return rows.map((row) => ({
    startMs: row.startAt.getTime(),
    endMs: row.endAt.getTime(),
    bytes: row.bytes,
    storageClass: row.storageClass === "cold" ? "cold" : "standard",
    objectKey: row.objectKey,
  }));
}

/**
 * The channel's runs of `storageClass` segments overlapping [startMs, endMs) (recording_spans).
 * Runs of a class never overlap, so the only one starting before startMs that can reach into the
 * range is the last one starting at or before it.
 */
function spansInRange(db: Db, deviceCode: string, channelCode: string, storageClass: "standard" | "cold", startMs: number, endMs: number) {
  const from = new Date(startMs).toISOString();
  return db
    .select({ kind: sql<string>`${storageClass}::text`.as("kind"), startAt: recordingSpans.startAt, endAt: recordingSpans.endAt })
    .from(recordingSpans)
    .where(
      and(
        eq(recordingSpans.deviceCode, deviceCode),
        eq(recordingSpans.channelCode, channelCode),
        eq(recordingSpans.storageClass, storageClass),
        lt(recordingSpans.startAt, new Date(endMs)),
        gt(recordingSpans.endAt, new Date(startMs)),
        sql`${recordingSpans.startAt} >= coalesce((SELECT max(start_at) FROM recording_spans WHERE device_code = ${deviceCode} AND channel_code = ${channelCode} AND storage_class = ${storageClass} AND start_at <= ${from}::timestamptz), '-infinity')`,
      ),
    );
}

/** Cold segments of the range whose retrieval copy is valid at `now`: few, read through their partial index. */
function restoredInRange(db: Db, deviceCode: string, channelCode: string, startMs: number, endMs: number, now: Date) {
  return db
    .select({ kind: sql<string>`'restored'::text`.as("kind"), startAt: recordingSegments.startAt, endAt: recordingSegments.endAt })
    .from(recordingSegments)
    .where(and(...segmentsOverlapping(deviceCode, channelCode, startMs, endMs), isNotNull(recordingSegments.restoredUntil), gt(recordingSegments.restoredUntil, now)));
}

/**
 * The cloud timeline of [startMs, endMs): what plays (standard runs and restored cold segments, in
 * time order, possibly overlapping: the caller merges them), and whether archived recordings that
 * do not play exist there (cold runs not covered by restored copies). One statement: a timeline
 * is a few index probes, and round trips were most of its time.
 */
export async function cloudTimeline(db: Db, deviceCode: string, channelCode: string, startMs: number, endMs: number, now = new Date()): Promise<{ spans: TimeSpan[]; archived: boolean }> {
  const rows = await spansInRange(db, deviceCode, channelCode, "standard", startMs, endMs)
    .unionAll(spansInRange(db, deviceCode, channelCode, "cold", startMs, endMs))
    .unionAll(restoredInRange(db, deviceCode, channelCode, startMs, endMs, now));
  const of = (kind: string) => rows.filter((row) => row.kind === kind).map(toSpan);
  const restored = of("restored");
  const clipped = of("cold").map((s) => ({ startMs: Math.max(s.startMs, startMs), endMs: Math.min(s.endMs, endMs) }));
  return {
    spans: [...of("standard"), ...restored].sort((a, b) => a.startMs - b.startMs),
    archived: leavesUncovered(clipped, restored, ADJACENT_GAP_SECONDS * 1000),
  };
}

/** Segments of a cluster due to go cold or be deleted at `now`, oldest first. */
export async function lifecycleDue(db: Db, clusterId: string, now: Date, limit: number) {
  const toDelete = await db
    .select({ objectKey: recordingSegments.objectKey, storageClass: recordingSegments.storageClass })
    .from(recordingSegments)
    // A restored copy is removed first (restore-due), so no copy outlives its segment's row.
    .where(and(eq(recordingSegments.clusterId, clusterId), lte(recordingSegments.expireAt, now), isNull(recordingSegments.restoredUntil)))
    .orderBy(asc(recordingSegments.expireAt))
    .limit(limit);
  const toCold = await db
    .select({ objectKey: recordingSegments.objectKey })
    .from(recordingSegments)
    .where(and(eq(recordingSegments.clusterId, clusterId), eq(recordingSegments.storageClass, "standard"), lte(recordingSegments.transitionAt, now), gt(recordingSegments.expireAt, now)))
    .orderBy(asc(recordingSegments.transitionAt))
    .limit(limit);
  return { toCold, toDelete: toDelete.map((row) => ({ objectKey: row.objectKey, storageClass: row.storageClass === "cold" ? ("cold" as const) : ("standard" as const) })) };
}

/** The relay moved or deleted a segment's bytes: the row follows. Only the cluster that stored it may say so. */
export async function lifecycleDone(db: Db, clusterId: string, objectKey: string, action: "cold" | "deleted"): Promise<boolean> {
  const where = and(eq(recordingSegments.clusterId, clusterId), eq(recordingSegments.objectKey, objectKey));
  const rows =
    action === "cold"
      ? await db.update(recordingSegments).set({ storageClass: "cold" }).where(where).returning({ id: recordingSegments.id })
      : await db.delete(recordingSegments).where(where).returning({ id: recordingSegments.id });
  return rows.length > 0;
}
