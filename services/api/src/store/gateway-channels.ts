import { createHmac } from "node:crypto";
import { asc, eq } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { channels, devices, gatewayDevices, gateways } from "../db/schema.js";
import { AccessProtocol } from "./device-enums.js";

/** The box a LAN device (AccessProtocol 3) is attached to. */
export interface OwningGateway {
  readonly gwId: string;
  readonly status: number;
  readonly tokenHash: string;
}

export async function findOwningGateway(db: Db, deviceId: string): Promise<OwningGateway | undefined> {
  return (
    await db
      .select({ gwId: gateways.gwId, status: gateways.status, tokenHash: gateways.tokenHash })
      .from(gatewayDevices)
      .innerJoin(gateways, eq(gateways.id, gatewayDevices.gatewayId))
      .where(eq(gatewayDevices.deviceId, deviceId))
  )[0];
}

/** Label of the push-secret derivation, so the same token hash never signs two kinds of things alike. */
const PUSH_SECRET_LABEL = "ivc-gateway-media-push";

/**
 * The secret a gateway's RTMP pushes are signed with: HMAC-SHA256 of a fixed label keyed by the
 * gateway's stored token hash. It lives and dies with the gateway row (G9 delete revokes it), is
 * distinct for every gateway, and never reveals the token (the hash is one-way, the HMAC too).
 */
export function gatewayPushSecret(tokenHash: string): string {
  return createHmac("sha256", tokenHash).update(PUSH_SECRET_LABEL).digest("hex");
}

/** A channel of a gateway device, found by its code (`<box device id>-<n>`). */
export interface GatewayChannelOwner {
  readonly appId: string;
  readonly deviceCode: string;
  readonly disabled: boolean;
  readonly gateway: OwningGateway;
}

/**
 * Every gateway channel with code `code`, with its device and box. Box device ids are random, so
 * two boxes reporting the same code is not expected; callers treat more than one owner as ambiguous.
 */
export async function findGatewayChannelOwners(db: Db, code: string): Promise<GatewayChannelOwner[]> {
  const rows = await db
    .select({ appId: devices.appId, deviceCode: devices.code, disabled: devices.disabled, accessProtocol: devices.accessProtocol, gwId: gateways.gwId, status: gateways.status, tokenHash: gateways.tokenHash })
    .from(channels)
    .innerJoin(devices, eq(devices.id, channels.deviceId))
    .innerJoin(gatewayDevices, eq(gatewayDevices.deviceId, devices.id))
    .innerJoin(gateways, eq(gateways.id, gatewayDevices.gatewayId))
    .where(eq(channels.code, code))
    .orderBy(asc(devices.code));
  return rows
    .filter((r) => r.accessProtocol === AccessProtocol.Gateway)
    .map((r) => ({ appId: r.appId, deviceCode: r.deviceCode, disabled: r.disabled, gateway: { gwId: r.gwId, status: r.status, tokenHash: r.tokenHash } }));
}
