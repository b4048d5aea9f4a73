import type { StreamAuthorizeReply } from "@ivc/bus";
import { asc, eq } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { channels, devices } from "../db/schema.js";
import { AccessProtocol } from "../store/device-enums.js";
import { findDeviceByCode } from "../store/device-link.js";
import type { LinkedDevice } from "../store/device-link.js";
import { findGatewayChannelOwners, gatewayPushSecret } from "../store/gateway-channels.js";
import { findStreamSigning } from "../store/stream-auth.js";
import type { UrlSigning } from "../store/stream-auth.js";
import { LIVE_APP } from "../streams/stream-urls.js";

export interface StreamAuthorizeRequest {
  readonly direction: "push" | "pull";
  readonly app: string;
  readonly streamId: string;
}

const UNKNOWN: StreamAuthorizeReply = { exists: false, enabled: false, secretRequired: false };

function answer(device: Pick<LinkedDevice, "code" | "disabled" | "accessProtocol">, enabled: boolean, signing: UrlSigning | undefined): StreamAuthorizeReply {
  return {
    exists: true,
    enabled,
    deviceId: device.code,
    accessProtocol: device.accessProtocol,
    secretRequired: signing !== undefined,
    ...(signing ? { secret: signing.secret } : {}),
  };
}

/**
 * A gateway box pushes a channel to `/live/<channel code>` when the relay asked it to. The push is
 * always signed, with the gateway's own secret (not the account's PushSecret, which PushState may
 * switch off): only the relay, which signs the URL it hands the box, and this API know it. A code
 * claimed by several gateways is answered as disabled, as for pulls.
 */
async function authorizeGatewayPush(db: Db, code: string): Promise<StreamAuthorizeReply> {
  const owners = await findGatewayChannelOwners(db, code);
  const owner = owners[0];
  if (!owner) return UNKNOWN;
  if (owners.length > 1) return { exists: true, enabled: false, secretRequired: false };
  return {
    exists: true,
    enabled: !owner.disabled,
    deviceId: owner.deviceCode,
    accessProtocol: AccessProtocol.Gateway,
    secretRequired: true,
    secret: gatewayPushSecret(owner.gateway.tokenHash),
    gwId: owner.gateway.gwId,
  };
}

/**
 * Push: an RTMP device publishes to `/live/<its code>` (the PushStreamUrl describe hands out); a
 * gateway box to `/live/<channel code>`.
 */
async function authorizePush(db: Db, app: string, streamId: string): Promise<StreamAuthorizeReply> {
  if (app !== LIVE_APP) return UNKNOWN;
  const device = await findDeviceByCode(db, streamId);
  if (!device) return authorizeGatewayPush(db, streamId);
  return answer(device, !device.disabled, (await findStreamSigning(db, device.appId)).push);
}

/**
 * Pull: an RTMP device's code, or a GB channel's 20-digit code (`<code>@<session>` for playback).
 * Channel codes are unique per device only: when equal codes belong to devices of different
 * accounts, no account's secret may guard the others' stream, so the stream is answered as
 * disabled (see docs/api-decisions.md).
 */
async function authorizePull(db: Db, streamId: string): Promise<StreamAuthorizeReply> {
  const code = streamId.split("@")[0] ?? "";
  const device = await findDeviceByCode(db, code);
  if (device?.accessProtocol === AccessProtocol.Rtmp) return answer(device, !device.disabled, (await findStreamSigning(db, device.appId)).pull);
  const owners = await db
    .select({ appId: devices.appId, code: devices.code, disabled: devices.disabled, accessProtocol: devices.accessProtocol })
    .from(channels)
    .innerJoin(devices, eq(devices.id, channels.deviceId))
    .where(eq(channels.code, code))
    .orderBy(asc(devices.disabled), asc(devices.code));
  const first = owners[0];
  if (!first) return UNKNOWN;
  if (owners.some((o) => o.appId !== first.appId)) return { exists: true, enabled: false, secretRequired: false };
  return answer(first, !first.disabled, (await findStreamSigning(db, first.appId)).pull);
}

/** The answer to packages/bus `api.stream.authorize` (media-relay asks before a push or a pull). */
export function authorizeStream(db: Db, request: StreamAuthorizeRequest): Promise<StreamAuthorizeReply> {
  return request.direction === "push" ? authorizePush(db, request.app, request.streamId) : authorizePull(db, request.streamId);
}
