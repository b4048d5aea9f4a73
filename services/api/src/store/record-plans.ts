import { and, asc, eq, inArray, isNotNull, or, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { channels, devices, recordPlanChannels, recordPlanOrganizations, recordPlans } from "../db/schema.js";
import type { PlanKind } from "../db/schema.js";
import { isUniqueViolation } from "../db/unique-violation.js";
import { ErrorCodes } from "../errors/codes.js";
import type { Failure, Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import { listOrganizationRows, ROOT_ORGANIZATION_ID } from "./organizations.js";
import { effectivePlanId, queryMembers } from "./plan-membership.js";
import { findTemplate, newRecordId } from "./record-templates.js";

/** Spec 03 §1.1: channels added in one call, organizations' channels included. */
export const MAX_CHANNELS_PER_CALL = 5000;

export interface LifeCycle {
  Transition: number;
  Expiration: number;
}

export interface ChannelRef {
  DeviceId: string;
  ChannelId: string;
}

/**
 * Spec 03 §1.4/§1.5 and §2.4/§2.5 plan answers; Status is 1: deletion is immediate here, so no plan
 * is ever "being deleted". Upload plans have no StreamType (§2).
 */
export interface PlanView {
  PlanId: string;
  PlanName: string;
  TemplateId: string;
  Describe: string;
  StreamType?: string;
  LifeCycle: LifeCycle;
  Status: number;
}

/** §1.1/§1.3 answer the first four fields; §2.1/§2.3 add LifeCycle. */
export type PlanSummary = Pick<PlanView, "PlanId" | "PlanName" | "TemplateId" | "Describe"> & { LifeCycle?: LifeCycle };

type PlanRow = typeof recordPlans.$inferSelect;
type Tx = Db;

export const PLAN_IN_USE = 1;
/** `StreamType` omitted: the device's default stream (spec 03 §1.1 "不填按默认类型处理"). */
export const DEFAULT_STREAM_TYPE = "default";

const lifeCycleOf = (row: PlanRow): LifeCycle => ({ Transition: row.transitionDays, Expiration: row.expirationDays });

function view(row: PlanRow): PlanView {
  return {
    PlanId: row.id,
    PlanName: row.name,
    TemplateId: row.templateId,
    Describe: row.describe,
    ...(row.kind === "live" ? { StreamType: row.streamType } : {}),
    LifeCycle: lifeCycleOf(row),
    Status: PLAN_IN_USE,
  };
}

function summary(row: PlanRow): PlanSummary {
  const base = { PlanId: row.id, PlanName: row.name, TemplateId: row.templateId, Describe: row.describe };
  return row.kind === "upload" ? { ...base, LifeCycle: lifeCycleOf(row) } : base;
}
const duplicateName = (name: string) => refuse(ErrorCodes.PlanNameDuplicate, `PlanName ${name} is already used`);
const ownPlan = (kind: PlanKind, appId: string, id: string) => and(eq(recordPlans.appId, appId), eq(recordPlans.kind, kind), eq(recordPlans.id, id));
const unknownPlan = (id: string) => refuse(ErrorCodes.RecordNotFound, `PlanId ${id} is not a plan`);

/** What a call adds to a plan of `kind`: channels by id and organizations whose channels (now and later) join. */
interface Additions {
  readonly kind: PlanKind;
  readonly channels: readonly ChannelRef[];
  readonly organizationIds: readonly string[];
}

/**
 * Checks what `additions` puts into plan `planId` (undefined while adding it): every channel a
 * channel of its device (43407 / 42207) in no other plan (42205), every organization the account's
 * and in no other plan (40006 / 42205), and at most 5000 channels in all (40005).
 */
async function checkAdditions(tx: Tx, appId: string, planId: string | undefined, additions: Additions): Promise<Outcome<null>> {
  const channelIds = [...new Set(additions.channels.map((c) => c.ChannelId))];
  const organizationIds = [...new Set(additions.organizationIds.map(Number))];
  const deviceIds = [...new Set(additions.channels.map((c) => c.DeviceId))];
  if (deviceIds.length > 0) {
    const known = new Set((await tx.select({ id: devices.id }).from(devices).where(and(eq(devices.appId, appId), inArray(devices.id, deviceIds)))).map((d) => d.id));
    const missing = deviceIds.find((id) => !known.has(id));
    if (missing !== undefined) return refuse(ErrorCodes.PlanDeviceNotFound, `DeviceId ${missing} is not a device`);
  }
  if (channelIds.length > 0) {
    const rows = await queryMembers(tx, { kind: additions.kind, where: and(eq(channels.appId, appId), inArray(channels.id, channelIds)) });
    const byId = new Map(rows.map((r) => [r.channelId, r]));
    for (const ref of additions.channels) {
      const row = byId.get(ref.ChannelId);
      if (!row || row.deviceId !== ref.DeviceId) return refuse(ErrorCodes.ChannelNotFound, `ChannelId ${ref.ChannelId} is not a channel of DeviceId ${ref.DeviceId}`);
      if (row.planId !== null && row.planId !== planId) return refuse(ErrorCodes.ResourceInUse, `ChannelId ${ref.ChannelId} is already in plan ${row.planId}`);
    }
  }
  if (organizationIds.length > 0) {
    const known = new Set([ROOT_ORGANIZATION_ID, ...(await listOrganizationRows(tx, appId)).map((o) => o.id)]);
    const missing = organizationIds.find((id) => !known.has(id));
    if (missing !== undefined) return refuse(ErrorCodes.RecordNotFound, `OrganizationId ${missing} is not an organization`);
    const taken = await tx
      .select({ organizationId: recordPlanOrganizations.organizationId, planId: recordPlanOrganizations.planId })
      .from(recordPlanOrganizations)
      .where(and(eq(recordPlanOrganizations.appId, appId), eq(recordPlanOrganizations.kind, additions.kind), inArray(recordPlanOrganizations.organizationId, organizationIds)));
    const other = taken.find((t) => t.planId !== planId);
    if (other) return refuse(ErrorCodes.ResourceInUse, `OrganizationId ${other.organizationId} is already in plan ${other.planId}`);
  }
  const byOrganization = organizationIds.length > 0 ? inArray(devices.organizationId, organizationIds) : undefined;
  const byId = channelIds.length > 0 ? inArray(channels.id, channelIds) : undefined;
  if (byOrganization || byId) {
    const [counted] = await tx
      .select({ n: sql<number>`count(*)`.mapWith(Number) })
      .from(channels)
      .innerJoin(devices, eq(devices.id, channels.deviceId))
      .where(and(eq(channels.appId, appId), or(byOrganization, byId)));
    const n = counted?.n ?? 0;
    if (n > MAX_CHANNELS_PER_CALL) return refuse(ErrorCodes.ParameterValidationFailed, `Channels and OrganizationId add ${n} channels; at most ${MAX_CHANNELS_PER_CALL} per call`);
  }
  return succeed(null);
}

/**
 * Stores checked additions: channels by id become members (replacing any exclusion), organizations
 * join with all their channels. A member row of another plan is never replaced: one written since
 * the check (a concurrent call) refuses the call.
 */
async function applyAdditions(tx: Tx, appId: string, planId: string, additions: Additions): Promise<Outcome<null>> {
  const { kind } = additions;
  const channelIds = [...new Set(additions.channels.map((c) => c.ChannelId))];
  if (channelIds.length > 0) {
    const written = await tx
      .insert(recordPlanChannels)
      .values(channelIds.map((channelId) => ({ channelId, planId, appId, kind, member: true })))
      .onConflictDoUpdate({
        target: [recordPlanChannels.channelId, recordPlanChannels.kind],
        set: { planId, member: true },
        setWhere: sql`not ${recordPlanChannels.member} or ${recordPlanChannels.planId} = ${planId}`,
      })
      .returning({ channelId: recordPlanChannels.channelId });
    if (written.length < channelIds.length) return refuse(ErrorCodes.ResourceInUse, "a channel was added to another plan meanwhile");
  }
  const organizationIds = [...new Set(additions.organizationIds.map(Number))];
  if (organizationIds.length > 0) {
    await tx
      .insert(recordPlanOrganizations)
      .values(organizationIds.map((organizationId) => ({ planId, appId, kind, organizationId })))
      .onConflictDoNothing();
    // An organization added again brings back the channels the plan had taken out of it.
    const organizationChannels = tx
      .select({ id: channels.id })
      .from(channels)
      .innerJoin(devices, eq(devices.id, channels.deviceId))
      .where(and(eq(channels.appId, appId), inArray(devices.organizationId, organizationIds)));
    await tx
      .delete(recordPlanChannels)
      .where(and(eq(recordPlanChannels.planId, planId), eq(recordPlanChannels.member, false), inArray(recordPlanChannels.channelId, organizationChannels)));
  }
  return succeed(null);
}

/**
 * Mod.Del: channels of this plan leave it and are then in no plan. One whose organization is in a
 * plan (this one or, for a channel added by id, another) stays out of it through an exclusion row,
 * so leaving never moves a channel into another plan. Ids not in this plan are ignored.
 */
async function removeChannels(tx: Tx, kind: PlanKind, appId: string, planId: string, channelIds: readonly string[]): Promise<Outcome<null>> {
  const unique = [...new Set(channelIds)];
  if (unique.length === 0) return succeed(null);
  const rows = await queryMembers(tx, { kind, where: and(eq(channels.appId, appId), inArray(channels.id, unique)) });
  const known = new Set(rows.map((r) => r.channelId));
  const missing = unique.find((id) => !known.has(id));
  if (missing !== undefined) return refuse(ErrorCodes.ChannelNotFound, `Del ${missing} is not a channel`);
  const leaving = rows.filter((r) => r.planId === planId);
  const dropped = leaving.filter((r) => r.organizationPlanId === null).map((r) => r.channelId);
  const excluded = leaving.flatMap((r) => (r.organizationPlanId === null ? [] : [{ channelId: r.channelId, planId: r.organizationPlanId, appId, kind, member: false }]));
  if (dropped.length > 0) await tx.delete(recordPlanChannels).where(and(eq(recordPlanChannels.kind, kind), inArray(recordPlanChannels.channelId, dropped)));
  if (excluded.length > 0) {
    await tx
      .insert(recordPlanChannels)
      .values(excluded)
      .onConflictDoUpdate({ target: [recordPlanChannels.channelId, recordPlanChannels.kind], set: { planId: sql`excluded.plan_id`, member: false } });
  }
  return succeed(null);
}

export interface NewPlan {
  PlanName: string;
  TemplateId: string;
  Describe: string | undefined;
  StreamType: string | undefined;
  LifeCycle: LifeCycle;
  Channels: readonly ChannelRef[] | undefined;
  OrganizationId: readonly string[] | undefined;
}

/** A refusal decided inside a transaction: thrown so that the transaction rolls back whatever it wrote. */
class Refusal extends Error {
  constructor(readonly failure: Failure) {
    super(failure.detail);
  }
}

/** Runs `work` in a transaction that commits only when it succeeds; a duplicate plan name is 43411. */
async function planTransaction<T>(db: Db, name: string | undefined, work: (tx: Tx) => Promise<Outcome<T>>): Promise<Outcome<T>> {
  try {
    return await db.transaction(async (tx) => {
      const outcome = await work(tx);
      if (!outcome.ok) throw new Refusal(outcome.failure);
      return outcome;
    });
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, failure: err.failure };
    if (name !== undefined && isUniqueViolation(err)) return duplicateName(name);
    throw err;
  }
}

const unknownTemplate = (id: string) => refuse(ErrorCodes.RecordNotFound, `TemplateId ${id} is not a template of this plan kind`);

/** A plan of `kind` (live-to-cloud or recording-upload) on a template of the same kind. */
export async function addPlan(db: Db, kind: PlanKind, appId: string, input: NewPlan): Promise<Outcome<PlanSummary>> {
  const additions = { kind, channels: input.Channels ?? [], organizationIds: input.OrganizationId ?? [] };
  return planTransaction(db, input.PlanName, async (tx) => {
    if (!(await findTemplate(tx, kind, appId, input.TemplateId))) return unknownTemplate(input.TemplateId);
    const checked = await checkAdditions(tx, appId, undefined, additions);
    if (!checked.ok) return checked;
    const rows = await tx
      .insert(recordPlans)
      .values({
        id: newRecordId(),
        appId,
        kind,
        name: input.PlanName,
        templateId: input.TemplateId,
        describe: input.Describe ?? "",
        streamType: input.StreamType ?? DEFAULT_STREAM_TYPE,
        transitionDays: input.LifeCycle.Transition,
        expirationDays: input.LifeCycle.Expiration,
      })
      .onConflictDoNothing()
      .returning();
    const row = rows[0];
    if (!row) return duplicateName(input.PlanName);
    const applied = await applyAdditions(tx, appId, row.id, additions);
    return applied.ok ? succeed(summary(row)) : applied;
  });
}

export interface PlanChanges {
  PlanName: string | undefined;
  TemplateId: string | undefined;
  Describe: string | undefined;
  StreamType: string | undefined;
  LifeCycle: LifeCycle | undefined;
  Add: readonly ChannelRef[] | undefined;
  Del: readonly string[] | undefined;
  OrganizationId: readonly string[] | undefined;
}

/** Fields present change; `Del` is applied before `Add` and `OrganizationId`, all in one transaction. */
export async function modifyPlan(db: Db, kind: PlanKind, appId: string, id: string, mod: PlanChanges): Promise<Outcome<PlanSummary>> {
  const additions = { kind, channels: mod.Add ?? [], organizationIds: mod.OrganizationId ?? [] };
  return planTransaction(db, mod.PlanName, async (tx) => {
    const found = (await tx.select().from(recordPlans).where(ownPlan(kind, appId, id)).for("update"))[0];
    if (!found) return unknownPlan(id);
    if (mod.TemplateId !== undefined && !(await findTemplate(tx, kind, appId, mod.TemplateId))) return unknownTemplate(mod.TemplateId);
    const removed = await removeChannels(tx, kind, appId, id, mod.Del ?? []);
    if (!removed.ok) return removed;
    const checked = await checkAdditions(tx, appId, id, additions);
    if (!checked.ok) return checked;
    const set: Partial<typeof recordPlans.$inferInsert> = { updatedAt: new Date() };
    if (mod.PlanName !== undefined) set.name = mod.PlanName;
    if (mod.TemplateId !== undefined) set.templateId = mod.TemplateId;
    if (mod.Describe !== undefined) set.describe = mod.Describe;
    if (mod.StreamType !== undefined) set.streamType = mod.StreamType;
    if (mod.LifeCycle !== undefined) {
      set.transitionDays = mod.LifeCycle.Transition;
      set.expirationDays = mod.LifeCycle.Expiration;
    }
    const [row] = await tx.update(recordPlans).set(set).where(eq(recordPlans.id, id)).returning();
    const applied = await applyAdditions(tx, appId, id, additions);
    if (!applied.ok) return applied;
    return row ? succeed(summary(row)) : unknownPlan(id);
  });
}

/** Immediate: the plan, its organizations and channel rows go; recordings already made are the recorder's. */
export async function deletePlan(db: Db, kind: PlanKind, appId: string, id: string): Promise<Outcome<Record<string, never>>> {
  const rows = await db.delete(recordPlans).where(ownPlan(kind, appId, id)).returning({ id: recordPlans.id });
  return rows.length > 0 ? succeed({}) : unknownPlan(id);
}

export async function describePlan(db: Db, kind: PlanKind, appId: string, id: string): Promise<Outcome<PlanView>> {
  const row = (await db.select().from(recordPlans).where(ownPlan(kind, appId, id)))[0];
  return row ? succeed(view(row)) : unknownPlan(id);
}

export async function listPlans(db: Db, kind: PlanKind, appId: string): Promise<PlanView[]> {
  const rows = await db
    .select()
    .from(recordPlans)
    .where(and(eq(recordPlans.appId, appId), eq(recordPlans.kind, kind)))
    .orderBy(asc(recordPlans.createdAt), asc(recordPlans.id));
  return rows.map(view);
}

export async function planExists(db: Db, kind: PlanKind, appId: string, id: string): Promise<boolean> {
  return (await db.select({ id: recordPlans.id }).from(recordPlans).where(ownPlan(kind, appId, id))).length > 0;
}

/** Spec 03 §1.7: ids of every channel in any of the account's live-to-cloud plans. */
export async function listPlannedChannelIds(db: Db, appId: string): Promise<string[]> {
  const rows = await queryMembers(db, { kind: "live", where: and(eq(channels.appId, appId), isNotNull(effectivePlanId)) });
  return rows.map((r) => r.channelId);
}
