import { randomUUID } from "node:crypto";
import type { DetectType } from "@ivc/bus";
import { siteDateTime } from "@ivc/runtime";
import { and, asc, count, desc, eq, gte, inArray, isNotNull, lt, lte, sql } from "drizzle-orm";
import type { AiDetection, AiTaskStatus, AiTemplate } from "../ai/templates.js";
import { storedTemplate } from "../ai/templates.js";
import type { Db } from "../db/database.js";
import { aiResults, aiTaskChannels, aiTasks, channels, devices, recordingSegments, serviceNodes } from "../db/schema.js";
import { isUniqueViolation } from "../db/unique-violation.js";
import { ErrorCodes } from "../errors/codes.js";
import type { Failure, Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";

/** Spec 04 A1 response `Data` (also A2, A4, A6 items). */
export interface AiTaskView {
  TaskId: string;
  Name: string;
  Desc: string;
  Status: AiTaskStatus;
  ChannelList?: string[];
  CallbackUrl: string;
  Templates?: AiTemplate[];
  CreatedTime: string;
  UpdatedTime: string;
}

type TaskRow = typeof aiTasks.$inferSelect;
type Tx = Db;

/** "at" + 32 lowercase hex digits, as the document's examples (`at553be1f6768a42698445e5d248fac1ac`). */
export const AI_TASK_ID_PATTERN = { regex: /^at[0-9a-f]{32}$/, text: "an AI task id (at + 32 lowercase hex digits)" };

function newTaskId(): string {
  return `at${randomUUID().replaceAll("-", "")}`;
}

/** Times are printed on the site clock (RECORD_TIME_ZONE), the zone OperTimeslot windows are read in: a client compares them directly. */
function view(row: TaskRow, channelIds: string[] | undefined, utcOffsetMinutes: number, withTemplates = true): AiTaskView {
  return {
    TaskId: row.id,
    Name: row.name,
    Desc: row.description,
    Status: row.status,
    ...(channelIds === undefined ? {} : { ChannelList: channelIds }),
    CallbackUrl: row.callbackUrl,
    ...(withTemplates ? { Templates: row.templates } : {}),
    CreatedTime: siteDateTime(row.createdAt, utcOffsetMinutes),
    UpdatedTime: siteDateTime(row.updatedAt, utcOffsetMinutes),
  };
}

const unknownTask = (id: string) => refuse(ErrorCodes.AiTaskNotFound, `TaskId ${id} is not an AI task of this account`);

class Refusal extends Error {
  constructor(readonly failure: Failure) {
    super(failure.detail);
  }
}

/** Runs `work` in a transaction that commits only when it succeeds; a channel taken meanwhile is 43716. */
async function taskTransaction<T>(db: Db, work: (tx: Tx) => Promise<Outcome<T>>): Promise<Outcome<T>> {
  try {
    return await db.transaction(async (tx) => {
      const outcome = await work(tx);
      if (!outcome.ok) throw new Refusal(outcome.failure);
      return outcome;
    });
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, failure: err.failure };
    if (isUniqueViolation(err)) return refuse(ErrorCodes.ChannelIdInOtherTask, "a channel was put into another AI task meanwhile");
    throw err;
  }
}

async function channelIdsOf(db: Tx, taskIds: readonly string[]): Promise<Map<string, string[]>> {
  const byTask = new Map<string, string[]>(taskIds.map((id) => [id, []]));
  if (taskIds.length === 0) return byTask;
  const rows = await db
    .select({ taskId: aiTaskChannels.taskId, channelId: aiTaskChannels.channelId })
    .from(aiTaskChannels)
    .where(inArray(aiTaskChannels.taskId, [...taskIds]))
    .orderBy(asc(aiTaskChannels.position));
  for (const r of rows) byTask.get(r.taskId)?.push(r.channelId);
  return byTask;
}

/** Every channel the account's (43715) and in no other task (43716); then the task's list becomes `channelIds`. */
async function setChannels(tx: Tx, appId: string, taskId: string, channelIds: readonly string[]): Promise<Outcome<null>> {
  const unique = [...new Set(channelIds)];
  const known = new Set((await tx.select({ id: channels.id }).from(channels).where(and(eq(channels.appId, appId), inArray(channels.id, unique)))).map((c) => c.id));
  const unknown = unique.find((id) => !known.has(id));
  if (unknown !== undefined) return refuse(ErrorCodes.InvalidChannelIdInList, `ChannelId ${unknown} is not a channel of this account`);
  const taken = await tx.select({ channelId: aiTaskChannels.channelId, taskId: aiTaskChannels.taskId }).from(aiTaskChannels).where(inArray(aiTaskChannels.channelId, unique));
  const other = taken.find((t) => t.taskId !== taskId);
  if (other) return refuse(ErrorCodes.ChannelIdInOtherTask, `ChannelId ${other.channelId} is already in AI task ${other.taskId}`);
  await tx.delete(aiTaskChannels).where(eq(aiTaskChannels.taskId, taskId));
  await tx.insert(aiTaskChannels).values(unique.map((channelId, position) => ({ channelId, taskId, appId, position })));
  return succeed(null);
}

export interface NewAiTask {
  Name: string;
  Desc: string | undefined;
  ChannelList: readonly string[];
  CallbackUrl: string | undefined;
  IsStartTheTask: boolean;
  Templates: readonly AiTemplate[];
}

export async function createTask(db: Db, appId: string, input: NewAiTask, utcOffsetMinutes: number): Promise<Outcome<AiTaskView>> {
  return taskTransaction(db, async (tx) => {
    const [row] = await tx
      .insert(aiTasks)
      .values({
        id: newTaskId(),
        appId,
        name: input.Name,
        description: input.Desc ?? "",
        status: input.IsStartTheTask ? "on" : "off",
        callbackUrl: input.CallbackUrl ?? "",
        templates: input.Templates.map(storedTemplate),
      })
      .returning();
    if (!row) throw new Error("AI task insert returned no row");
    const placed = await setChannels(tx, appId, row.id, input.ChannelList);
    return placed.ok ? succeed(view(row, [...new Set(input.ChannelList)], utcOffsetMinutes)) : placed;
  });
}

export interface AiTaskChanges {
  Name: string | undefined;
  Desc: string | undefined;
  ChannelList: readonly string[] | undefined;
  CallbackUrl: string | undefined;
  Templates: readonly AiTemplate[] | undefined;
}

/** A2: a task that is "on" is refused (43719); lists given replace the stored ones. */
export async function updateTask(db: Db, appId: string, id: string, changes: AiTaskChanges, utcOffsetMinutes: number): Promise<Outcome<AiTaskView>> {
  return taskTransaction(db, async (tx) => {
    const found = (await tx.select().from(aiTasks).where(and(eq(aiTasks.appId, appId), eq(aiTasks.id, id))).for("update"))[0];
    if (!found) return unknownTask(id);
    if (found.status === "on") return refuse(ErrorCodes.AiTaskRunning, `AI task ${id} is on; turn it off (PUT /ivc/ai/task/status) before updating it`);
    if (changes.ChannelList !== undefined) {
      const placed = await setChannels(tx, appId, id, changes.ChannelList);
      if (!placed.ok) return placed;
    }
    const set: Partial<typeof aiTasks.$inferInsert> = { updatedAt: new Date() };
    if (changes.Name !== undefined) set.name = changes.Name;
    if (changes.Desc !== undefined) set.description = changes.Desc;
    if (changes.CallbackUrl !== undefined) set.callbackUrl = changes.CallbackUrl;
    if (changes.Templates !== undefined) set.templates = changes.Templates.map(storedTemplate);
    const [row] = await tx.update(aiTasks).set(set).where(eq(aiTasks.id, id)).returning();
    if (!row) return unknownTask(id);
    return succeed(view(row, (await channelIdsOf(tx, [id])).get(id), utcOffsetMinutes));
  });
}

/** Snapshot keys of `clusterId` whose results expired by `now` (the recording lifecycle pass deletes them), oldest first. */
export async function expiredSnapshots(db: Db, clusterId: string, now: Date, limit: number): Promise<Array<{ objectKey: string }>> {
  const rows = await db
    .selectDistinct({ objectKey: aiResults.snapshotKey, expireAt: aiResults.expireAt })
    .from(aiResults)
    .where(and(eq(aiResults.clusterId, clusterId), isNotNull(aiResults.expireAt), lte(aiResults.expireAt, now)))
    .orderBy(asc(aiResults.expireAt))
    .limit(limit);
  return [...new Set(rows.map((r) => r.objectKey))].map((objectKey) => ({ objectKey }));
}

/** The relay deleted a snapshot's bytes: the results that name it go too (their Url could only 404). Only its own cluster may say so. */
export async function snapshotDeleted(db: Db, clusterId: string, objectKey: string): Promise<boolean> {
  const rows = await db.delete(aiResults).where(and(eq(aiResults.clusterId, clusterId), eq(aiResults.snapshotKey, objectKey))).returning({ id: aiResults.id });
  return rows.length > 0;
}

/** A3: also when "on" (deleting stops it); its results go with it, their snapshots with the recording lifecycle. */
export async function deleteTask(db: Db, appId: string, id: string): Promise<Outcome<null>> {
  const rows = await db.delete(aiTasks).where(and(eq(aiTasks.appId, appId), eq(aiTasks.id, id))).returning({ id: aiTasks.id });
  return rows.length > 0 ? succeed(null) : unknownTask(id);
}

export async function describeTask(db: Db, appId: string, id: string, utcOffsetMinutes: number): Promise<Outcome<AiTaskView>> {
  const row = (await db.select().from(aiTasks).where(and(eq(aiTasks.appId, appId), eq(aiTasks.id, id))))[0];
  return row ? succeed(view(row, (await channelIdsOf(db, [id])).get(id), utcOffsetMinutes)) : unknownTask(id);
}

export interface TaskListQuery {
  IsContainChannelList: boolean;
  IsContainTemplate: boolean;
  PageNumber: number;
  PageSize: number;
}

/** A6, oldest first; ChannelList and Templates only when asked for (absent otherwise). */
export async function listTasks(db: Db, appId: string, q: TaskListQuery, utcOffsetMinutes: number): Promise<{ TotalCount: number; List: AiTaskView[] }> {
  const [total] = await db.select({ n: count() }).from(aiTasks).where(eq(aiTasks.appId, appId));
  const rows = await db
    .select()
    .from(aiTasks)
    .where(eq(aiTasks.appId, appId))
    .orderBy(asc(aiTasks.createdAt), asc(aiTasks.id))
    .limit(q.PageSize)
    .offset((q.PageNumber - 1) * q.PageSize);
  const channelLists = q.IsContainChannelList ? await channelIdsOf(db, rows.map((r) => r.id)) : undefined;
  return { TotalCount: total?.n ?? 0, List: rows.map((r) => view(r, channelLists?.get(r.id), utcOffsetMinutes, q.IsContainTemplate)) };
}

/** A7: "on" twice is a success; "off" on an "off" task is 43724. */
export async function setTaskStatus(db: Db, appId: string, id: string, status: AiTaskStatus): Promise<Outcome<null>> {
  return taskTransaction(db, async (tx) => {
    const found = (await tx.select().from(aiTasks).where(and(eq(aiTasks.appId, appId), eq(aiTasks.id, id))).for("update"))[0];
    if (!found) return unknownTask(id);
    if (status === "off" && found.status === "off") return refuse(ErrorCodes.TaskAlreadyOff, `AI task ${id} is already off`);
    if (found.status !== status) await tx.update(aiTasks).set({ status, updatedAt: new Date() }).where(eq(aiTasks.id, id));
    return succeed(null);
  });
}

export interface ResultQuery {
  TaskId: string;
  ChannelId: string;
  Object: string | undefined;
  DetectType: DetectType | undefined;
  begin: Date;
  end: Date;
  PageNumber: number;
  PageSize: number;
}

export interface StoredResult {
  tag: string;
  detectType: string;
  takenAt: Date;
  snapshotKey: string;
  objects: AiDetection[];
  /** The media HTTP base of the relay that stored the snapshot (`http://host:port`). */
  mediaBase: string;
}

/**
 * A5 `Object`: the time range of the channel's recording segment stored under that key. The relay
 * indexes segments by GB codes, so the key counts only when its codes are the queried channel's.
 */
async function channelSegment(db: Db, channelId: string, objectKey: string): Promise<{ startAt: Date; endAt: Date } | undefined> {
  const [row] = await db
    .select({ startAt: recordingSegments.startAt, endAt: recordingSegments.endAt })
    .from(recordingSegments)
    .innerJoin(devices, eq(devices.code, recordingSegments.deviceCode))
    .innerJoin(channels, and(eq(channels.deviceId, devices.id), eq(channels.code, recordingSegments.channelCode)))
    .where(and(eq(recordingSegments.objectKey, objectKey), eq(channels.id, channelId)));
  return row;
}

/**
 * A5 rows: the channel must be the task's (43715); newest first, PageSize invocations per page.
 * `Object` keeps the frames taken inside that recording file's [start, end); a key that is no
 * segment of this channel matches nothing (an empty answer, as a filter that matches nothing).
 */
export async function queryResults(db: Db, appId: string, q: ResultQuery): Promise<Outcome<{ total: number; rows: StoredResult[] }>> {
  const task = (await db.select({ id: aiTasks.id }).from(aiTasks).where(and(eq(aiTasks.appId, appId), eq(aiTasks.id, q.TaskId))))[0];
  if (!task) return unknownTask(q.TaskId);
  const inTask = await db.select({ id: aiTaskChannels.channelId }).from(aiTaskChannels).where(and(eq(aiTaskChannels.taskId, q.TaskId), eq(aiTaskChannels.channelId, q.ChannelId)));
  const hasResults = await db.select({ id: aiResults.id }).from(aiResults).where(and(eq(aiResults.taskId, q.TaskId), eq(aiResults.channelId, q.ChannelId))).limit(1);
  // A channel taken out of the task keeps its past results queryable.
  if (inTask.length === 0 && hasResults.length === 0) return refuse(ErrorCodes.InvalidChannelIdInList, `ChannelId ${q.ChannelId} is not a channel of AI task ${q.TaskId}`);
  const segment = q.Object === undefined ? undefined : await channelSegment(db, q.ChannelId, q.Object);
  if (q.Object !== undefined && segment === undefined) return succeed({ total: 0, rows: [] });
  const where = and(
    eq(aiResults.taskId, q.TaskId),
    eq(aiResults.appId, appId),
    eq(aiResults.channelId, q.ChannelId),
    gte(aiResults.takenAt, q.begin),
    lte(aiResults.takenAt, q.end),
    q.DetectType === undefined ? undefined : eq(aiResults.detectType, q.DetectType),
    segment === undefined ? undefined : gte(aiResults.takenAt, segment.startAt),
    segment === undefined ? undefined : lt(aiResults.takenAt, segment.endAt),
  );
  const [total] = await db.select({ n: count() }).from(aiResults).where(where);
  const rows = await db
    .select({
      tag: aiResults.tag,
      detectType: aiResults.detectType,
      takenAt: aiResults.takenAt,
      snapshotKey: aiResults.snapshotKey,
      objects: aiResults.objects,
      mediaBase: sql<string>`'http://' || ${serviceNodes.mediaHost} || ':' || ${serviceNodes.mediaHttpPort}`,
    })
    .from(aiResults)
    .innerJoin(serviceNodes, sql`${serviceNodes.id}::text = ${aiResults.clusterId}`)
    .where(where)
    .orderBy(desc(aiResults.takenAt), desc(aiResults.id))
    .limit(q.PageSize)
    .offset((q.PageNumber - 1) * q.PageSize);
  return succeed({ total: total?.n ?? 0, rows });
}
