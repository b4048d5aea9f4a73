import { and, asc, eq, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { channels, devices, organizations, recordPlanChannels, recordPlanOrganizations } from "../db/schema.js";
import type { PlanKind } from "../db/schema.js";

/**
 * The plan of one kind (live-to-cloud or recording-upload) a channel is in, evaluated at every read: its own row when it was added by
 * id (`member`), else the plan of its device's organization unless that plan took it out (a
 * `member = false` row for that plan). So a channel added to a plan's organization later is in the
 * plan, and a channel is never in two plans (one row per channel, one plan per organization).
 */
export const effectivePlanId = sql<string | null>`(case when ${recordPlanChannels.member} then ${recordPlanChannels.planId} when ${recordPlanChannels.planId} = ${recordPlanOrganizations.planId} then null else ${recordPlanOrganizations.planId} end)`;

const memberFields = {
  channelId: channels.id,
  channelCode: channels.code,
  channelName: channels.name,
  // Aliased: the subquery's column names must differ from the channel's own id, code and name.
  deviceId: sql<string>`${devices.id}`.as("device_id"),
  deviceCode: sql<string>`${devices.code}`.as("device_code"),
  deviceName: sql<string>`${devices.name}`.as("device_name"),
  accessProtocol: devices.accessProtocol,
  disabled: devices.disabled,
  clusterId: devices.clusterId,
  organizationId: devices.organizationId,
  /** "" for the root organization, which has no row. */
  organizationName: sql<string>`coalesce(${organizations.name}, '')`.as("organization_name"),
  planId: sql<string | null>`${effectivePlanId}`.as("plan_id"),
  /** The plan of the device's organization, whether or not the channel is in it. */
  organizationPlanId: sql<string | null>`${recordPlanOrganizations.planId}`.as("organization_plan_id"),
  /** Rows of the whole query, before limit/offset. */
  total: sql<number>`count(*) over ()`.mapWith(Number).as("total"),
};

/** Channels with their device, organization and effective plan of `kind`, ordered by device then channel code. */
function selectMembers(db: Db, kind: PlanKind, where: SQL | undefined) {
  return db
    .select(memberFields)
    .from(channels)
    .innerJoin(devices, eq(devices.id, channels.deviceId))
    .leftJoin(organizations, and(eq(organizations.appId, devices.appId), eq(organizations.id, devices.organizationId)))
    .leftJoin(recordPlanChannels, and(eq(recordPlanChannels.channelId, channels.id), eq(recordPlanChannels.kind, kind)))
    .leftJoin(
      recordPlanOrganizations,
      and(eq(recordPlanOrganizations.appId, channels.appId), eq(recordPlanOrganizations.kind, kind), eq(recordPlanOrganizations.organizationId, devices.organizationId)),
    )
    .where(where)
    .orderBy(asc(devices.createdAt), asc(devices.id), asc(channels.code))
    .$dynamic();
}

export type MemberRow = Awaited<ReturnType<typeof selectMembers>>[number];

/** `where` as a subquery, for callers that read a few columns of many rows (the recorder's poll). */
export function membersSubquery(db: Db, kind: PlanKind, where: SQL | undefined) {
  return selectMembers(db, kind, where).as("members");
}

export interface MemberQuery {
  readonly kind: PlanKind;
  readonly where: SQL | undefined;
  readonly limit?: number;
  readonly offset?: number;
}

export async function queryMembers(db: Db, query: MemberQuery): Promise<MemberRow[]> {
  const base = selectMembers(db, query.kind, query.where);
  return query.limit === undefined ? base : base.limit(query.limit).offset(query.offset ?? 0);
}

/** How many channels match `where`, and how many of them are in no plan. */
export async function countMembers(db: Db, kind: PlanKind, where: SQL | undefined): Promise<{ total: number; notInPlan: number }> {
  const members = membersSubquery(db, kind, where);
  const [row] = await db
    .select({ total: sql<number>`count(*)`.mapWith(Number), notInPlan: sql<number>`count(*) filter (where ${members.planId} is null)`.mapWith(Number) })
    .from(members);
  return { total: row?.total ?? 0, notInPlan: row?.notInPlan ?? 0 };
}

export interface Page<T> {
  PageNumber: number;
  PageSize: number;
  TotalCount: number;
  List: T[];
}

/** One page of `where`; the total comes with the rows (a window count), or from a second look past the end. */
export async function queryMemberPage(db: Db, kind: PlanKind, where: SQL | undefined, pageNumber: number, pageSize: number): Promise<{ total: number; rows: MemberRow[] }> {
  const offset = (pageNumber - 1) * pageSize;
  const rows = await queryMembers(db, { kind, where, limit: pageSize, offset });
  if (rows.length > 0 || offset === 0) return { total: rows[0]?.total ?? 0, rows };
  const first = await queryMembers(db, { kind, where, limit: 1, offset: 0 });
  return { total: first[0]?.total ?? 0, rows };
}
