import type { StreamAuthorizeReply } from "@ivc/bus";
import { splitDeviceChannel } from "@ivc/media";
import { and, eq } from "drizzle-orm";
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
  readonly deviceId?: string | undefined;
}

const UNKNOWN: StreamAuthorizeReply = { exists: false, enabled: false, secretRequired: false };

function answer(device: Pick<LinkedDevice, "code" | "disabled" | "accessProtocol">, enabled: boolean, signing: UrlSigning | undefined): StreamAuthorizeReply {
  return {
    exists: true,
    enabled,
    deviceId: device.code,
    accessProtocol: device.accessProtocol,
    secretRequired: signing !== undefined,
    ...(signing ? { secret: signing.secret, signWindowSeconds: signing.validSeconds } : {}),
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

/** The channel part of a pull's stream id: playback `<channel>@<session>` and sub stream `_sub` stripped. */
function pulledChannel(streamId: string, named: string | undefined): { deviceCode?: string; channelCode: string } | undefined {
  const base = streamId.split("@")[0] ?? "";
  const live = streamId.includes("@") ? base : base.replace(/_sub$/, "");
  const { deviceId, channelId } = splitDeviceChannel(live);
  if (deviceId !== undefined && named !== undefined && deviceId !== named) return undefined;
  const deviceCode = deviceId ?? named;
  return deviceCode !== undefined ? { deviceCode, channelCode: channelId } : { channelCode: channelId };
}

/**
 * Pull: an RTMP device's code, or a GB or gateway channel, answered for the exact channel of the
 * exact device when the stream id (`<device>_<channel>`) or `?device=` names the device, so the
 * device's account decides. A bare channel code is answered only when one device reports it;
 * when several do, the URL is ambiguous and refused (docs/api-decisions.md "Stream ids"). A code
 * no catalog reported — the device's own code included — is unknown.
 */
async function authorizePull(db: Db, streamId: string, named: string | undefined): Promise<StreamAuthorizeReply> {
  const pulled = pulledChannel(streamId, named);
  if (!pulled) return UNKNOWN;
  const { deviceCode, channelCode } = pulled;
  if (deviceCode === undefined || deviceCode === channelCode) {
    const device = await findDeviceByCode(db, channelCode);
    if (device?.accessProtocol === AccessProtocol.Rtmp) return answer(device, !device.disabled, (await findStreamSigning(db, device.appId)).pull);
  }
  const where = deviceCode === undefined ? eq(channels.code, channelCode) : and(eq(channels.code, channelCode), eq(devices.code, deviceCode));
  const owners = await db
    .select({ appId: devices.appId, code: devices.code, disabled: devices.disabled, accessProtocol: devices.accessProtocol })
    .from(channels)
    .innerJoin(devices, eq(devices.id, channels.deviceId))
    .where(where)
    .limit(2);
  const first = owners[0];
  if (!first) return UNKNOWN;
  if (owners.length > 1) return { exists: true, enabled: false, secretRequired: false, ambiguous: true };
  return answer(first, !first.disabled, (await findStreamSigning(db, first.appId)).pull);
}

/** The answer to packages/bus `api.stream.authorize` (media-relay asks before a push or a pull). */
export function authorizeStream(db: Db, request: StreamAuthorizeRequest): Promise<StreamAuthorizeReply> {
  return request.direction === "push" ? authorizePush(db, request.app, request.streamId) : authorizePull(db, request.streamId, request.deviceId);
}
