import { and, asc, eq, inArray, lte, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { channels, devices, recordingSegments, retrievalTaskChannels, retrievalTasks, retrievalTaskSegments } from "../db/schema.js";
import { isUniqueViolation } from "../db/unique-violation.js";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import { newRecordId } from "./record-templates.js";

/** Task and channel Status (spec 04 Part R): 0 retrieved, 1 retrieving, 2 pending; 3 (channels only) no archived recording. */
export const RetrievalStatus = { Retrieved: 0, Retrieving: 1, Pending: 2, NothingArchived: 3 } as const;

const DAY_MS = 86_400_000;
const MIB = 1024 * 1024;

export interface RetrievalTaskView {
  TaskId: string;
  TaskName: string;
  StartTime: number;
  EndTime: number;
  Mode: number;
  Expiration: number;
  Status: number;
  /** Restored volume in MB (MiB), two decimals. */
  Capacity: number;
}

export interface RetrievalChannelView {
  DeviceId: string;
  DeviceName: string;
  ChannelId: string;
  ChannelName: string;
  Status: number;
}

export interface NewRetrievalTask {
  TaskName: string;
  StartTime: number;
  EndTime: number;
  Mode: number;
  Expiration: number;
  Channels: ReadonlyArray<{ DeviceId: string; ChannelId: string }>;
}

type TaskRow = typeof retrievalTasks.$inferSelect;

interface Progress {
  /** Segment rows by state, per channel. */
  byChannel: Map<string, { pending: number; handedOut: number; restored: number }>;
  restoredBytes: number;
}

/** A channel's Status from its segment rows: 3 when nothing was archived, 0 when all are restored, 2 before any was handed out. */
function channelStatus(archived: boolean, counts: { pending: number; handedOut: number; restored: number } | undefined): number {
  if (!archived) return RetrievalStatus.NothingArchived;
  if (!counts || (counts.pending === 0 && counts.handedOut === 0)) return RetrievalStatus.Retrieved;
  if (counts.handedOut === 0 && counts.restored === 0) return RetrievalStatus.Pending;
  return RetrievalStatus.Retrieving;
}

/** The task's Status over its channels' (3 counts as settled): 2 while none started, 0 once all are settled, else 1. */
function taskStatus(statuses: readonly number[]): number {
  const open = statuses.filter((s) => s !== RetrievalStatus.NothingArchived);
  if (open.every((s) => s === RetrievalStatus.Retrieved)) return RetrievalStatus.Retrieved;
  if (open.every((s) => s === RetrievalStatus.Pending)) return RetrievalStatus.Pending;
  return RetrievalStatus.Retrieving;
}

async function progressOf(db: Db, taskIds: readonly string[]): Promise<Map<string, Progress>> {
  const result = new Map<string, Progress>();
  if (taskIds.length === 0) return result;
  const rows = await db
    .select({
      taskId: retrievalTaskSegments.taskId,
      channelId: retrievalTaskSegments.channelId,
      state: retrievalTaskSegments.state,
      n: sql<number>`count(*)`.mapWith(Number),
      bytes: sql<number>`coalesce(sum(${recordingSegments.bytes}), 0)`.mapWith(Number),
    })
    .from(retrievalTaskSegments)
    .innerJoin(recordingSegments, eq(recordingSegments.id, retrievalTaskSegments.segmentId))
    .where(inArray(retrievalTaskSegments.taskId, [...taskIds]))
    .groupBy(retrievalTaskSegments.taskId, retrievalTaskSegments.channelId, retrievalTaskSegments.state);
  for (const row of rows) {
    const progress = result.get(row.taskId) ?? { byChannel: new Map(), restoredBytes: 0 };
    result.set(row.taskId, progress);
    const counts = progress.byChannel.get(row.channelId) ?? { pending: 0, handedOut: 0, restored: 0 };
    progress.byChannel.set(row.channelId, counts);
    if (row.state === RetrievalStatus.Retrieved) {
      counts.restored += row.n;
      progress.restoredBytes += row.bytes;
    } else if (row.state === RetrievalStatus.Retrieving) counts.handedOut += row.n;
    else counts.pending += row.n;
  }
  return result;
}

async function channelsOf(db: Db, taskIds: readonly string[]) {
  if (taskIds.length === 0) return [];
  return db
    .select({
      taskId: retrievalTaskChannels.taskId,
      archived: retrievalTaskChannels.archived,
      channelId: channels.id,
      channelName: channels.name,
      deviceId: devices.id,
      deviceName: devices.name,
    })
    .from(retrievalTaskChannels)
    .innerJoin(channels, eq(channels.id, retrievalTaskChannels.channelId))
    .innerJoin(devices, eq(devices.id, channels.deviceId))
    .where(inArray(retrievalTaskChannels.taskId, [...taskIds]))
    .orderBy(asc(retrievalTaskChannels.position));
}

async function views(db: Db, tasks: readonly TaskRow[]): Promise<Array<RetrievalTaskView & { Channels: RetrievalChannelView[] }>> {
  const ids = tasks.map((t) => t.id);
  const [progress, members] = await Promise.all([progressOf(db, ids), channelsOf(db, ids)]);
  return tasks.map((task) => {
    const own = progress.get(task.id);
    const list = members
      .filter((m) => m.taskId === task.id)
      .map((m) => ({ DeviceId: m.deviceId, DeviceName: m.deviceName, ChannelId: m.channelId, ChannelName: m.channelName, Status: channelStatus(m.archived, own?.byChannel.get(m.channelId)) }));
    return {
      TaskId: task.id,
      TaskName: task.name,
      StartTime: Math.floor(task.startAt.getTime() / 1000),
      EndTime: Math.floor(task.endAt.getTime() / 1000),
      Mode: task.mode,
      Expiration: task.expirationDays,
      Status: taskStatus(list.map((c) => c.Status)),
      Capacity: Math.round(((own?.restoredBytes ?? 0) / MIB) * 100) / 100,
      Channels: list,
    };
  });
}

const summary = ({ Channels: _channels, ...task }: RetrievalTaskView & { Channels: RetrievalChannelView[] }): RetrievalTaskView => task;
const unknownTask = (id: string) => refuse(ErrorCodes.RecordNotFound, `TaskId ${id} is not a retrieval task`);

/**
 * R1: checks every channel is a channel of its device in the account (42206 / 42207), then stores
 * the task with, per channel, the cold segments of the range it will restore (none: Status 3).
 */
export async function addRetrievalTask(db: Db, appId: string, input: NewRetrievalTask): Promise<Outcome<RetrievalTaskView>> {
  const refs = [...new Map(input.Channels.map((c) => [c.ChannelId, c])).values()];
  const deviceIds = [...new Set(refs.map((r) => r.DeviceId))];
  const known = await db
    .select({ id: devices.id, code: devices.code })
    .from(devices)
    .where(and(eq(devices.appId, appId), inArray(devices.id, deviceIds)));
  const missingDevice = deviceIds.find((id) => !known.some((d) => d.id === id));
  if (missingDevice !== undefined) return refuse(ErrorCodes.DeviceNotFound, `DeviceId ${missingDevice} is not a device`);
  const found = await db
    .select({ id: channels.id, code: channels.code, deviceId: channels.deviceId })
    .from(channels)
    .where(and(eq(channels.appId, appId), inArray(channels.id, refs.map((r) => r.ChannelId))));
  const byId = new Map(found.map((c) => [c.id, c]));
  for (const ref of refs) {
    if (byId.get(ref.ChannelId)?.deviceId !== ref.DeviceId) return refuse(ErrorCodes.ChannelNotFound, `ChannelId ${ref.ChannelId} is not a channel of DeviceId ${ref.DeviceId}`);
  }
  const codeOf = new Map(known.map((d) => [d.id, d.code]));
  const start = new Date(input.StartTime * 1000);
  const end = new Date(input.EndTime * 1000);
  try {
    const row = await db.transaction(async (tx) => {
      const [task] = await tx
        .insert(retrievalTasks)
        .values({ id: newRecordId(), appId, name: input.TaskName, startAt: start, endAt: end, mode: input.Mode, expirationDays: input.Expiration })
        .returning();
      if (!task) throw new Error("retrieval task insert returned nothing");
      for (const [position, ref] of refs.entries()) {
        const channel = byId.get(ref.ChannelId);
        const cold = await tx
          .select({ id: recordingSegments.id })
          .from(recordingSegments)
          .where(
            and(
              eq(recordingSegments.deviceCode, codeOf.get(ref.DeviceId) ?? ""),
              eq(recordingSegments.channelCode, channel?.code ?? ""),
              eq(recordingSegments.storageClass, "cold"),
              sql`${recordingSegments.startAt} < ${end.toISOString()}::timestamptz`,
              sql`${recordingSegments.endAt} > ${start.toISOString()}::timestamptz`,
            ),
          );
        await tx.insert(retrievalTaskChannels).values({ taskId: task.id, channelId: ref.ChannelId, position, archived: cold.length > 0 });
        if (cold.length > 0) await tx.insert(retrievalTaskSegments).values(cold.map((s) => ({ taskId: task.id, channelId: ref.ChannelId, segmentId: s.id })));
      }
      return task;
    });
    const [view] = await views(db, [row]);
    return view ? succeed(summary(view)) : unknownTask(row.id);
  } catch (err) {
    if (isUniqueViolation(err)) return refuse(ErrorCodes.TemplateNameDuplicate, `TaskName ${input.TaskName} is already used`);
    throw err;
  }
}

/** R2: the task goes; copies already restored stay until their restored_until (another task may rely on them). */
export async function deleteRetrievalTask(db: Db, appId: string, id: string): Promise<Outcome<Record<string, never>>> {
  const rows = await db.delete(retrievalTasks).where(and(eq(retrievalTasks.appId, appId), eq(retrievalTasks.id, id))).returning({ id: retrievalTasks.id });
  return rows.length > 0 ? succeed({}) : unknownTask(id);
}

export async function describeRetrievalTask(db: Db, appId: string, id: string): Promise<Outcome<RetrievalTaskView & { Channels: RetrievalChannelView[] }>> {
  const rows = await db.select().from(retrievalTasks).where(and(eq(retrievalTasks.appId, appId), eq(retrievalTasks.id, id)));
  const [view] = await views(db, rows);
  return view ? succeed(view) : unknownTask(id);
}

/** R4: every task of the account, oldest first (no paging in the spec). */
export async function listRetrievalTasks(db: Db, appId: string): Promise<RetrievalTaskView[]> {
  const rows = await db.select().from(retrievalTasks).where(eq(retrievalTasks.appId, appId)).orderBy(asc(retrievalTasks.createdAt), asc(retrievalTasks.id));
  return (await views(db, rows)).map(summary);
}

/**
 * restore-due for one cluster at the relay's `now`: cold segments a task still wants (handed out
 * now: their channels show Status 1 until restored), each with the longest Expiration of the tasks
 * waiting for it, and restored copies past restored_until.
 */
export async function restoreDue(db: Db, clusterId: string, now: Date, limit: number): Promise<{ toRestore: Array<{ objectKey: string; days: number }>; toRemove: Array<{ objectKey: string }> }> {
  const wanted = await db
    .select({ id: recordingSegments.id, objectKey: recordingSegments.objectKey, days: sql<number>`max(${retrievalTasks.expirationDays})`.mapWith(Number) })
    .from(retrievalTaskSegments)
    .innerJoin(recordingSegments, eq(recordingSegments.id, retrievalTaskSegments.segmentId))
    .innerJoin(retrievalTasks, eq(retrievalTasks.id, retrievalTaskSegments.taskId))
    .where(and(eq(recordingSegments.clusterId, clusterId), sql`${retrievalTaskSegments.state} <> ${RetrievalStatus.Retrieved}`))
    .groupBy(recordingSegments.id, recordingSegments.objectKey)
    .orderBy(asc(recordingSegments.id))
    .limit(limit);
  if (wanted.length > 0) {
    await db
      .update(retrievalTaskSegments)
      .set({ state: RetrievalStatus.Retrieving })
      .where(and(eq(retrievalTaskSegments.state, RetrievalStatus.Pending), inArray(retrievalTaskSegments.segmentId, wanted.map((w) => w.id))));
  }
  const expired = await db
    .select({ objectKey: recordingSegments.objectKey })
    .from(recordingSegments)
    .where(and(eq(recordingSegments.clusterId, clusterId), lte(recordingSegments.restoredUntil, now)))
    .orderBy(asc(recordingSegments.restoredUntil))
    .limit(limit);
  return { toRestore: wanted.map((w) => ({ objectKey: w.objectKey, days: w.days })), toRemove: expired };
}

/** The relay clusters holding a task's cold segments: the ones told of its change (none for a task with nothing archived). */
export async function clustersOfRetrievalTask(db: Db, appId: string, id: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ clusterId: recordingSegments.clusterId })
    .from(retrievalTaskSegments)
    .innerJoin(recordingSegments, eq(recordingSegments.id, retrievalTaskSegments.segmentId))
    .innerJoin(retrievalTasks, eq(retrievalTasks.id, retrievalTaskSegments.taskId))
    .where(and(eq(retrievalTasks.appId, appId), eq(retrievalTaskSegments.taskId, id)));
  return rows.map((r) => r.clusterId);
}

/**
 * restore-done: a restored segment plays until `now` + the longest Expiration of the tasks that
 * were waiting for it (never past the segment's own expiry, so the lifecycle deletes no segment
 * with a copy left); a removed copy clears restored_until. Only the cluster that stored it reports.
 */
export async function restoreDone(db: Db, clusterId: string, objectKey: string, action: "restored" | "removed", now: Date): Promise<boolean> {
  const where = and(eq(recordingSegments.clusterId, clusterId), eq(recordingSegments.objectKey, objectKey));
  return db.transaction(async (tx) => {
    const [segment] = await tx.select({ id: recordingSegments.id, expireAt: recordingSegments.expireAt, restoredUntil: recordingSegments.restoredUntil }).from(recordingSegments).where(where).for("update");
    if (!segment) return false;
    if (action === "removed") {
      // A copy restored again after this removal was asked for keeps its new validity.
      if (segment.restoredUntil !== null && segment.restoredUntil > now) return false;
      await tx.update(recordingSegments).set({ restoredUntil: null }).where(eq(recordingSegments.id, segment.id));
      return true;
    }
    const waiting = await tx
      .select({ days: sql<number>`max(${retrievalTasks.expirationDays})`.mapWith(Number) })
      .from(retrievalTaskSegments)
      .innerJoin(retrievalTasks, eq(retrievalTasks.id, retrievalTaskSegments.taskId))
      .where(and(eq(retrievalTaskSegments.segmentId, segment.id), sql`${retrievalTaskSegments.state} <> ${RetrievalStatus.Retrieved}`));
    const days = waiting[0]?.days ?? 0;
    const wanted = Math.min(now.getTime() + days * DAY_MS, segment.expireAt.getTime());
    const until = Math.max(wanted, segment.restoredUntil?.getTime() ?? 0, now.getTime());
    await tx.update(recordingSegments).set({ restoredUntil: new Date(until) }).where(eq(recordingSegments.id, segment.id));
    await tx.update(retrievalTaskSegments).set({ state: RetrievalStatus.Retrieved }).where(eq(retrievalTaskSegments.segmentId, segment.id));
    return true;
  });
}
