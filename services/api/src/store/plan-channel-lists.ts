import { and, asc, eq, ilike, inArray, isNotNull, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { channels, devices, organizations, recordUploadPieces } from "../db/schema.js";
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
  if (!(await planExists(db, "live", appId, planId))) return refuse(ErrorCodes.RecordNotFound, `PlanId ${planId} is not a plan`);
  const where = and(eq(channels.appId, appId), sql`${effectivePlanId} = ${planId}`, nameFilter(filters));
  const { total, rows } = await queryMemberPage(db, "live", where, paging.PageNumber, paging.PageSize);
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
  const { total, rows } = await queryMemberPage(db, "live", where, paging.PageNumber, paging.PageSize);
  return succeed(page(paging, total, rows, (r) => ({ DeviceId: r.deviceId, DeviceName: r.deviceName, ChannelId: r.channelId, ChannelName: r.channelName, InPlan: r.planId !== null })));
}

/** Spec 03 §1.9 over the organizations' own devices; each channel counts once. */
export async function countOrganizationChannels(db: Db, appId: string, organizationIds: readonly string[]): Promise<Outcome<{ TotalCount: number; NotInPlanCount: number }>> {
  const ids = [...new Set(organizationIds.map(Number))];
  for (const id of ids) {
    if (!(await organizationExists(db, appId, id))) return refuse(ErrorCodes.RecordNotFound, `OrganizationId ${id} is not an organization`);
  }
  const counted = await countMembers(db, "live", and(eq(channels.appId, appId), inArray(devices.organizationId, ids)));
  return succeed({ TotalCount: counted.total, NotInPlanCount: counted.notInPlan });
}

/** A piece of the latest upload day as §2.6's extension shows it; times are epoch seconds, StoredUntil 0 when nothing is stored. */
export interface UploadPieceItem {
  StartTime: number;
  EndTime: number;
  State: string;
  StoredUntil: number;
  Reason: string;
}

export interface UploadPlanChannelItem extends PlanChannelItem {
  PlanId: string;
  /** The footage day of the latest pieces ("" before the first upload window). */
  UploadDay: string;
  Pieces: UploadPieceItem[];
}

/**
 * Spec 03 §2.6: the channels of one upload plan, or of all the account's upload plans when `planId`
 * is undefined. Each also carries (extension fields) its plan and its pieces of the latest footage
 * day: what was uploaded (done, StoredUntil of uploading ones) and what is missing (failed, missed).
 */
export async function listUploadPlanChannels(
  db: Db,
  appId: string,
  planId: string | undefined,
  filters: NameFilters,
  paging: Paging,
): Promise<Outcome<Page<UploadPlanChannelItem>>> {
  if (planId !== undefined && !(await planExists(db, "upload", appId, planId))) return refuse(ErrorCodes.RecordNotFound, `PlanId ${planId} is not a plan`);
  const inPlan = planId === undefined ? isNotNull(effectivePlanId) : sql`${effectivePlanId} = ${planId}`;
  const { total, rows } = await queryMemberPage(db, "upload", and(eq(channels.appId, appId), inPlan, nameFilter(filters)), paging.PageNumber, paging.PageSize);
  const pieces = await latestPieces(db, rows);
  return succeed(
    page(paging, total, rows, (r) => {
      const own = pieces.get(`${r.planId}/${r.channelId}`) ?? [];
      return {
        DeviceId: r.deviceId,
        DeviceName: r.deviceName,
        ChannelId: r.channelId,
        ChannelName: r.channelName,
        OrganizationName: r.organizationName,
        PlanId: r.planId ?? "",
        UploadDay: own[0]?.footageDay ?? "",
        Pieces: own.map((p) => ({
          StartTime: seconds(p.startAt),
          EndTime: seconds(p.endAt),
          State: p.state,
          StoredUntil: p.storedUntil ? seconds(p.storedUntil) : 0,
          Reason: p.reason,
        })),
      };
    }),
  );
}

const seconds = (at: Date) => Math.floor(at.getTime() / 1000);

/** The pieces of each (plan, channel)'s latest footage day, in time order. */
async function latestPieces(db: Db, rows: readonly MemberRow[]) {
  const byKey = new Map<string, Array<typeof recordUploadPieces.$inferSelect>>();
  const channelIds = rows.map((r) => r.channelId);
  if (channelIds.length === 0) return byKey;
  // Only each (plan, channel)'s latest footage day: older days are history the list does not show.
  const all = await db
    .select()
    .from(recordUploadPieces)
    .where(
      and(
        inArray(recordUploadPieces.channelId, channelIds),
        sql`(${recordUploadPieces.planId}, ${recordUploadPieces.channelId}, ${recordUploadPieces.footageDay}) in (select plan_id, channel_id, max(footage_day) from record_upload_pieces where channel_id in ${channelIds} group by plan_id, channel_id)`,
      ),
    )
    .orderBy(asc(recordUploadPieces.startAt));
  for (const piece of all) {
    const key = `${piece.planId}/${piece.channelId}`;
    const list = byKey.get(key);
    if (list) list.push(piece);
    else byKey.set(key, [piece]);
  }
  return byKey;
}
