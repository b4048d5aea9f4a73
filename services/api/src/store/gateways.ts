import { and, asc, count, eq, inArray, lt, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { channels, devices, gatewayDevices, gateways, serviceNodes } from "../db/schema.js";
import type { StoredUpgradeState } from "../db/schema.js";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import { DeviceStatus } from "./device-enums.js";

export type GatewayRow = typeof gateways.$inferSelect;

/** Gateway `Status` (spec 04 Part G). */
export const GatewayStatus = { Offline: 0, Online: 1 } as const;

/** G1 list item. */
export interface GatewayListItem {
  Id: string;
  GwId: string;
  Name: string;
  Description: string;
  ClusterId: string;
  ClusterName: string;
  Status: number;
  CreatedAt: string;
}

/** G8 answer. */
export type GatewayView = Omit<GatewayListItem, "CreatedAt">;

/** G2 answer: no Status or CreatedAt, as the spec prints it. */
export interface GatewayDescription {
  Id: string;
  Name: string;
  GwId: string;
  ClusterId: string;
  ClusterName: string;
  Description: string;
  Version: Array<{ Name: string; Version: string }>;
}

/** G3 answer. */
export interface GatewayMonitor {
  UpFlow: number;
  DeviceTotal: number;
  DeviceOnline: number;
  DeviceOffline: number;
  ChannelTotal: number;
  ChannelOnline: number;
  ChannelOffline: number;
}

/** G1 `CreatedAt` "2022-09-22T09:22:23": ISO-8601 without fraction or zone; we print UTC (docs/api-decisions.md). */
export function activationTime(date: Date): string {
  return date.toISOString().slice(0, 19);
}

function view(row: GatewayRow, clusterName: string): GatewayView {
  return {
    Id: row.id,
    GwId: row.gwId,
    Name: row.name,
    Description: row.description,
    ClusterId: row.clusterId,
    ClusterName: clusterName,
    Status: row.status,
  };
}

export async function findGatewayWithNode(db: Db, appId: string, id: string) {
  return (
    await db
      .select({ gateway: gateways, nodeName: serviceNodes.name })
      .from(gateways)
      .innerJoin(serviceNodes, eq(serviceNodes.id, gateways.clusterId))
      .where(and(eq(gateways.appId, appId), eq(gateways.id, id)))
  )[0];
}

export async function findGateway(db: Db, appId: string, id: string): Promise<Outcome<GatewayRow>> {
  const row = (await db.select().from(gateways).where(and(eq(gateways.appId, appId), eq(gateways.id, id))))[0];
  return row ? succeed(row) : refuse(ErrorCodes.RecordNotFound, `Id ${id} is not a gateway`);
}

export async function findGatewayByGwId(db: Db, gwId: string): Promise<GatewayRow | undefined> {
  return (await db.select().from(gateways).where(eq(gateways.gwId, gwId)))[0];
}

/**
 * Records `at` as the newest accepted report of `report` for the gateway, atomically, only when it
 * is newer than the one recorded: false means a report as new or newer was already accepted (a
 * replay) or the gateway is gone.
 */
export async function claimReport(db: Db, gwId: string, report: string, at: number): Promise<boolean> {
  const rows = await db
    .update(gateways)
    .set({ reportAt: sql`jsonb_set(${gateways.reportAt}, ARRAY[${report}::text], to_jsonb(${at}::bigint))` })
    .where(and(eq(gateways.gwId, gwId), sql`COALESCE((${gateways.reportAt}->>${report})::bigint, -1) < ${at}`))
    .returning({ id: gateways.id });
  return rows.length > 0;
}

export interface GatewayFilter {
  Name: string | undefined;
  ClusterId: string | undefined;
  Status: number | undefined;
  PageNumber: number;
  PageSize: number;
}

export async function listGateways(db: Db, appId: string, filter: GatewayFilter): Promise<{ TotalCount: number; List: GatewayListItem[] }> {
  const conditions: SQL[] = [eq(gateways.appId, appId)];
  // The spec does not say exact or fuzzy: a case-insensitive substring, as the device list's Keyword.
  if (filter.Name !== undefined && filter.Name !== "") conditions.push(sql`strpos(lower(${gateways.name}), lower(${filter.Name})) > 0`);
  if (filter.ClusterId !== undefined) conditions.push(eq(gateways.clusterId, filter.ClusterId));
  if (filter.Status !== undefined) conditions.push(eq(gateways.status, filter.Status));
  const where = and(...conditions);
  const [total, rows] = await Promise.all([
    db.select({ n: count() }).from(gateways).where(where),
    db
      .select({ gateway: gateways, nodeName: serviceNodes.name })
      .from(gateways)
      .innerJoin(serviceNodes, eq(serviceNodes.id, gateways.clusterId))
      .where(where)
      .orderBy(asc(gateways.createdAt), asc(gateways.id))
      .limit(filter.PageSize)
      .offset((filter.PageNumber - 1) * filter.PageSize),
  ]);
  return {
    TotalCount: total[0]?.n ?? 0,
    List: rows.map((r) => ({ ...view(r.gateway, r.nodeName), CreatedAt: activationTime(r.gateway.createdAt) })),
  };
}

export async function describeGateway(db: Db, appId: string, id: string): Promise<Outcome<GatewayDescription>> {
  const found = await findGatewayWithNode(db, appId, id);
  if (!found) return refuse(ErrorCodes.RecordNotFound, `Id ${id} is not a gateway`);
  const { gateway: g, nodeName } = found;
  return succeed({
    Id: g.id,
    Name: g.name,
    GwId: g.gwId,
    ClusterId: g.clusterId,
    ClusterName: nodeName,
    Description: g.description,
    Version: Object.entries(g.versions)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, version]) => ({ Name: name, Version: version })),
  });
}

/** The last heartbeat's figures; an offline gateway sends nothing, so its devices and channels count as offline. */
export function monitorFigures(g: GatewayRow): GatewayMonitor {
  const online = g.status === GatewayStatus.Online;
  return {
    UpFlow: online ? g.upFlowKbps : 0,
    DeviceTotal: g.deviceTotal,
    DeviceOnline: online ? g.deviceOnline : 0,
    DeviceOffline: online ? g.deviceOffline : g.deviceTotal,
    ChannelTotal: g.channelTotal,
    ChannelOnline: online ? g.channelOnline : 0,
    ChannelOffline: online ? g.channelOffline : g.channelTotal,
  };
}

export interface GatewayChanges {
  Name: string;
  Description: string | undefined;
}

/** G8: `Description` left out keeps the stored one (docs/api-decisions.md). */
export async function updateGateway(db: Db, appId: string, id: string, changes: GatewayChanges): Promise<Outcome<GatewayView>> {
  const set: Partial<typeof gateways.$inferInsert> = { name: changes.Name, updatedAt: new Date() };
  if (changes.Description !== undefined) set.description = changes.Description;
  const row = (await db.update(gateways).set(set).where(and(eq(gateways.appId, appId), eq(gateways.id, id))).returning())[0];
  if (!row) return refuse(ErrorCodes.RecordNotFound, `Id ${id} is not a gateway`);
  const found = await findGatewayWithNode(db, appId, id);
  return succeed(view(row, found?.nodeName ?? ""));
}

/** G9: the gateway row (which holds the box's token hash) and every device attached through it, channels included. */
export async function deleteGateway(db: Db, appId: string, id: string): Promise<Outcome<{ gwId: string; deviceCodes: string[] }>> {
  return db.transaction(async (tx) => {
    const row = (await tx.select().from(gateways).where(and(eq(gateways.appId, appId), eq(gateways.id, id))).for("update"))[0];
    if (!row) return refuse(ErrorCodes.RecordNotFound, `Id ${id} is not a gateway`);
    const attached = tx.select({ id: gatewayDevices.deviceId }).from(gatewayDevices).where(eq(gatewayDevices.gatewayId, id));
    const removed = await tx.delete(devices).where(inArray(devices.id, attached)).returning({ code: devices.code });
    await tx.delete(gateways).where(eq(gateways.id, id));
    return succeed({ gwId: row.gwId, deviceCodes: removed.map((d) => d.code) });
  });
}

export interface HeartbeatFigures {
  readonly upFlowKbps: number;
  readonly devices: { total: number; online: number; offline: number };
  readonly channels: { total: number; online: number; offline: number };
  readonly versions: Readonly<Record<string, string>>;
  readonly upgrade: StoredUpgradeState;
}

/** Applies a heartbeat; answers false when the gwId names no gateway (deleted or never activated). */
export async function applyHeartbeat(db: Db, gwId: string, beat: HeartbeatFigures, now: Date): Promise<boolean> {
  const rows = await db
    .update(gateways)
    .set({
      status: GatewayStatus.Online,
      lastHeartbeatAt: now,
      upFlowKbps: beat.upFlowKbps,
      deviceTotal: beat.devices.total,
      deviceOnline: beat.devices.online,
      deviceOffline: beat.devices.offline,
      channelTotal: beat.channels.total,
      channelOnline: beat.channels.online,
      channelOffline: beat.channels.offline,
      versions: { ...beat.versions },
      upgrade: mergedUpgrade(beat.upgrade),
      updatedAt: now,
    })
    .where(eq(gateways.gwId, gwId))
    .returning({ id: gateways.id });
  return rows.length > 0;
}

/**
 * A report older than the stored state is ignored, so an upgrade G7 just requested is not undone by
 * a heartbeat the box sent before it received the request.
 */
function mergedUpgrade(state: StoredUpgradeState): SQL {
  const json = JSON.stringify(state);
  return sql`CASE WHEN ${gateways.upgrade} IS NULL OR (${gateways.upgrade}->>'at')::bigint <= ${state.at} THEN ${json}::jsonb ELSE ${gateways.upgrade} END`;
}

export async function setUpgradeState(db: Db, gwId: string, state: StoredUpgradeState): Promise<boolean> {
  const rows = await db.update(gateways).set({ upgrade: mergedUpgrade(state), updatedAt: new Date() }).where(eq(gateways.gwId, gwId)).returning({ id: gateways.id });
  return rows.length > 0;
}

/**
 * Gateways whose last heartbeat is older than `cutoff` go offline with every device attached
 * through them (and those devices' channels). Answers the gwIds it changed.
 */
export async function markSilentGatewaysOffline(db: Db, cutoff: Date): Promise<string[]> {
  return db.transaction(async (tx) => {
    const silent = await tx
      .update(gateways)
      .set({ status: GatewayStatus.Offline, upFlowKbps: 0, updatedAt: new Date() })
      .where(and(eq(gateways.status, GatewayStatus.Online), lt(gateways.lastHeartbeatAt, cutoff)))
      .returning({ id: gateways.id, gwId: gateways.gwId });
    if (silent.length === 0) return [];
    const attached = tx
      .select({ id: gatewayDevices.deviceId })
      .from(gatewayDevices)
      .where(inArray(gatewayDevices.gatewayId, silent.map((g) => g.id)));
    const now = new Date();
    await tx.update(devices).set({ linkStatus: DeviceStatus.Offline, updatedAt: now }).where(inArray(devices.id, attached));
    await tx.update(channels).set({ state: 0, streamStatus: 0, updatedAt: now }).where(inArray(channels.deviceId, attached));
    return silent.map((g) => g.gwId);
  });
}
