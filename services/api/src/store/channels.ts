import { randomUUID } from "node:crypto";
import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { channels, devices, serviceNodes } from "../db/schema.js";

/** Channel item of spec 02 §7. */
export interface ChannelView {
  ChannelId: string;
  ChannelCode: string;
  DeviceId: string;
  Name: string;
  Status: number;
  PtzType: number;
  Manufacturer: string;
  Resolution: string;
  State: number;
}

export async function listChannels(db: Db, appId: string, deviceId: string): Promise<ChannelView[]> {
  const rows = await db
    .select()
    .from(channels)
    .where(and(eq(channels.appId, appId), eq(channels.deviceId, deviceId)))
    .orderBy(asc(channels.code));
  return rows.map((r) => ({
    ChannelId: r.id,
    ChannelCode: r.code,
    DeviceId: r.deviceId,
    Name: r.name,
    Status: r.streamStatus,
    PtzType: r.ptzType,
    Manufacturer: r.manufacturer,
    Resolution: r.resolution,
    State: r.state,
  }));
}

/** A channel of the account with its device and the device's service node. */
export async function findChannelWithDevice(db: Db, appId: string, channelId: string) {
  return (
    await db
      .select({ channel: channels, device: devices, node: serviceNodes })
      .from(channels)
      .innerJoin(devices, eq(devices.id, channels.deviceId))
      .innerJoin(serviceNodes, eq(serviceNodes.id, devices.clusterId))
      .where(and(eq(channels.appId, appId), eq(channels.id, channelId)))
  )[0];
}

export interface CatalogEntry {
  readonly code: string;
  readonly name: string;
  readonly manufacturer: string | undefined;
  readonly online: boolean;
  /** GB/T 28181 PTZType: 1 dome, 2 half-dome, 3 fixed box, 4 remote-control fixed; 0/absent unknown. */
  readonly ptzType: number | undefined;
}

/**
 * Spec 02 §7 PtzType is a yes/no. GB PTZType (A.2.6.3 Info): 1 dome, 2 half-dome, 4 remote-control
 * bullet can be driven; 3 fixed bullet cannot. Many IPCs leave PTZType out of their catalog: such a
 * channel counts as controllable, since refusing every PTZ call for it would lock out cameras that
 * can turn, while a fixed camera simply ignores the command.
 */
export function controllablePtz(gbPtzType: number | undefined): number {
  return gbPtzType === 3 ? 0 : 1;
}

/**
 * Inserts new channels and refreshes known ones; channels missing from the catalog stay (spec 02 §8:
 * "设备上已删除的通道需自行删除、后台不自动删除").
 */
export async function upsertChannels(
  db: Db,
  device: { appId: string; id: string },
  entries: readonly CatalogEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  const now = new Date();
  const values = entries.map((e) => ({
    id: randomUUID(),
    appId: device.appId,
    deviceId: device.id,
    code: e.code,
    name: e.name,
    manufacturer: e.manufacturer ?? "",
    ptzType: controllablePtz(e.ptzType),
    state: e.online ? 1 : 0,
    updatedAt: now,
  }));
  await db
    .insert(channels)
    .values(values)
    .onConflictDoUpdate({
      target: [channels.deviceId, channels.code],
      set: {
        name: sql`excluded.name`,
        manufacturer: sql`excluded.manufacturer`,
        ptzType: sql`excluded.ptz_type`,
        state: sql`excluded.state`,
        updatedAt: now,
      },
    });
}

export async function setChannelState(db: Db, deviceId: string, code: string, online: boolean): Promise<void> {
  await db
    .update(channels)
    .set({ state: online ? 1 : 0, updatedAt: new Date() })
    .where(and(eq(channels.deviceId, deviceId), eq(channels.code, code)));
}

/** A device that went offline takes its channels with it. */
export async function setAllChannelsOffline(db: Db, deviceId: string): Promise<void> {
  await db.update(channels).set({ state: 0, streamStatus: 0, updatedAt: new Date() }).where(eq(channels.deviceId, deviceId));
}
