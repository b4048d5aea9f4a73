import { and, eq } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { devices } from "../db/schema.js";
import { UUID_PATTERN } from "../validation/patterns.js";
import { DeviceStatus } from "./device-enums.js";

/** A device as the sip-server's events address it: by GB code within a service node. */
export interface LinkedDevice {
  readonly id: string;
  readonly appId: string;
  readonly code: string;
  readonly disabled: boolean;
  /** Sealed (store/device-passwords.ts). */
  readonly passwordEnc: string;
  readonly type: number;
  readonly transportProtocol: number;
  readonly accessProtocol: number;
  readonly clusterId: string;
}

export async function findDeviceByCode(db: Db, code: string, clusterId?: string): Promise<LinkedDevice | undefined> {
  // Events come from other processes: a node id that is not a UUID names no node of ours.
  if (clusterId !== undefined && !UUID_PATTERN.regex.test(clusterId)) return undefined;
  const where = clusterId === undefined ? eq(devices.code, code) : and(eq(devices.code, code), eq(devices.clusterId, clusterId));
  return (await db.select().from(devices).where(where))[0];
}

export async function setLinkStatus(db: Db, deviceId: string, online: boolean): Promise<void> {
  await db
    .update(devices)
    .set({ linkStatus: online ? DeviceStatus.Online : DeviceStatus.Offline, updatedAt: new Date() })
    .where(eq(devices.id, deviceId));
}

export async function setManufacturer(db: Db, deviceId: string, manufacturer: string): Promise<void> {
  await db.update(devices).set({ manufacturer, updatedAt: new Date() }).where(eq(devices.id, deviceId));
}
