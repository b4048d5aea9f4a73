import { and, eq } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { channels, devices } from "../db/schema.js";
import { DeviceStatus } from "./device-enums.js";

/**
 * The account's channel with GB code `code` and its device: what a playback URL names
 * (`/live/<channel code>@<session>`). Codes are unique per device only; when several of the
 * account's devices have it, an online, enabled device's channel is preferred, as that is the one
 * a playback can be running on.
 */
export async function findChannelByCode(db: Db, appId: string, code: string) {
  const rows = await db
    .select({ channel: channels, device: devices })
    .from(channels)
    .innerJoin(devices, eq(devices.id, channels.deviceId))
    .where(and(eq(channels.appId, appId), eq(channels.code, code)));
  return rows.find((r) => !r.device.disabled && r.device.linkStatus === DeviceStatus.Online) ?? rows[0];
}
