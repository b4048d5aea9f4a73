import type { StoredSegment } from "@ivc/bus";
import { and, asc, eq, gt, isNull, lt, lte, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { recordingSegments } from "../db/schema.js";

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
 * a crash) changes nothing. Its lifecycle dates are fixed now from the plan's LifeCycle.
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
    .onConflictDoNothing({ target: recordingSegments.objectKey });
}

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
    .where(
      and(
        eq(recordingSegments.deviceCode, deviceCode),
        eq(recordingSegments.channelCode, channelCode),
        lt(recordingSegments.startAt, new Date(endMs)),
        gt(recordingSegments.endAt, new Date(startMs)),
      ),
    )
    .orderBy(asc(recordingSegments.startAt));
  return rows.map((row) => ({
    startMs: row.startAt.getTime(),
    endMs: row.endAt.getTime(),
    bytes: row.bytes,
    storageClass: row.storageClass === "cold" ? "cold" : "standard",
    objectKey: row.objectKey,
  }));
}

/** The cloud timeline of [startMs, endMs): the spans of standard segments, and whether cold (archived) ones exist there. */
export async function cloudTimeline(db: Db, deviceCode: string, channelCode: string, startMs: number, endMs: number): Promise<{ spans: IndexedSegment[]; archived: boolean }> {
  const segments = await segmentsInRange(db, deviceCode, channelCode, startMs, endMs);
  return { spans: segments.filter((s) => s.storageClass === "standard"), archived: segments.some((s) => s.storageClass === "cold") };
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
