import { and, eq, ilike, inArray, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { channels, devices, organizations } from "../db/schema.js";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import { likePattern } from "./devices.js";
import { organizationExists } from "./organizations.js";
import { countMembers, effectivePlanId, queryMemberPage } from "./plan-membership.js";
import type { MemberRow, Page } from "./plan-membership.js";
import { planExists } from "./record-plans.js";

export interface NameFilters {
  ChannelName: string | undefined;
  DeviceName: string | undefined;
  OrganizationName?: string | undefined;
}

export interface Paging {
  PageNumber: number;
  PageSize: number;
}

/** Spec 03 §1.6: only the first non-empty filter counts, in the order ChannelName → DeviceName → OrganizationName. */
function nameFilter(filters: NameFilters): SQL | undefined {
  const nonEmpty = (text: string | undefined) => (text !== undefined && text !== "" ? likePattern(text) : undefined);
  const channel = nonEmpty(filters.ChannelName);
  if (channel !== undefined) return ilike(channels.name, channel);
  const device = nonEmpty(filters.DeviceName);
  if (device !== undefined) return ilike(devices.name, device);
  const organization = nonEmpty(filters.OrganizationName);
  if (organization !== undefined) return ilike(organizations.name, organization);
  return undefined;
}

function page<T>(paging: Paging, total: number, rows: readonly MemberRow[], item: (row: MemberRow) => T): Page<T> {
  return { PageNumber: paging.PageNumber, PageSize: paging.PageSize, TotalCount: total, List: rows.map(item) };
}

export interface PlanChannelItem {
  DeviceId: string;
  DeviceName: string;
  ChannelId: string;
  ChannelName: string;
  OrganizationName: string;
}

/** Spec 03 §1.6: the plan's channels, by id and by organization alike. */
export async function listPlanChannels(db: Db, appId: string, planId: string, filters: NameFilters, paging: Paging): Promise<Outcome<Page<PlanChannelItem>>> {
  if (!(await planExists(db, appId, planId))) return refuse(ErrorCodes.RecordNotFound, `PlanId ${planId} is not a plan`);
  const where = and(eq(channels.appId, appId), sql`${effectivePlanId} = ${planId}`, nameFilter(filters));
  const { total, rows } = await queryMemberPage(db, where, paging.PageNumber, paging.PageSize);
  return succeed(
    page(paging, total, rows, (r) => ({ DeviceId: r.deviceId, DeviceName: r.deviceName, ChannelId: r.channelId, ChannelName: r.channelName, OrganizationName: r.organizationName })),
  );
}

export interface OrganizationChannelItem {
  DeviceId: string;
  DeviceName: string;
  ChannelId: string;
  ChannelName: string;
  InPlan: boolean;
}

/** Spec 03 §1.8: channels of the organization's own devices (as the device list without IsContainSubLevel), with InPlan. */
export async function listOrganizationChannels(db: Db, appId: string, organizationId: string, filters: NameFilters, paging: Paging): Promise<Outcome<Page<OrganizationChannelItem>>> {
  const id = Number(organizationId);
  if (!(await organizationExists(db, appId, id))) return refuse(ErrorCodes.RecordNotFound, `OrganizationId ${organizationId} is not an organization`);
  const where = and(eq(channels.appId, appId), eq(devices.organizationId, id), nameFilter({ ChannelName: filters.ChannelName, DeviceName: filters.DeviceName }));
  const { total, rows } = await queryMemberPage(db, where, paging.PageNumber, paging.PageSize);
  return succeed(page(paging, total, rows, (r) => ({ DeviceId: r.deviceId, DeviceName: r.deviceName, ChannelId: r.channelId, ChannelName: r.channelName, InPlan: r.planId !== null })));
}

/** Spec 03 §1.9 over the organizations' own devices; each channel counts once. */
export async function countOrganizationChannels(db: Db, appId: string, organizationIds: readonly string[]): Promise<Outcome<{ TotalCount: number; NotInPlanCount: number }>> {
  const ids = [...new Set(organizationIds.map(Number))];
  for (const id of ids) {
    if (!(await organizationExists(db, appId, id))) return refuse(ErrorCodes.RecordNotFound, `OrganizationId ${id} is not an organization`);
  }
  const counted = await countMembers(db, and(eq(channels.appId, appId), inArray(devices.organizationId, ids)));
  return succeed({ TotalCount: counted.total, NotInPlanCount: counted.notInPlan });
}
