import { deviceChannelStreamId } from "@ivc/media";
import type { Db } from "../db/database.js";
import type { devices } from "../db/schema.js";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import { defineRoute } from "../http/route.js";
import type { ApiRoute } from "../http/route.js";
import { findChannelWithDevice } from "../store/channels.js";
import { AccessProtocol, DeviceStatus, mediaTransport } from "../store/device-enums.js";
import { findDeviceWithNode } from "../store/devices.js";
import { findOwningGateway } from "../store/gateway-channels.js";
import { GatewayStatus } from "../store/gateways.js";
import type { ServiceNode } from "../store/service-nodes.js";
import { findStreamSigning } from "../store/stream-auth.js";
import { viewerEndpoint } from "../streams/play-domain.js";
import { playUrls } from "../streams/stream-urls.js";
import type { StreamSource } from "../streams/stream-urls.js";
import { RESOLUTION_PATTERN, UUID_PATTERN } from "../validation/patterns.js";
import { int, str } from "../validation/rules.js";
import * as data from "./data-schemas.js";
import type { RouteDeps } from "./deps.js";

const TAG = "streams";
/** Spec 02 §18 StreamType: 主码流 / 子码流; the values are not printed, 1 and 2 are read from the example. */
export const StreamType = { Main: 1, Sub: 2 } as const;

type DeviceRow = typeof devices.$inferSelect;

/** What a live URL is built from: the relay's stream id, where the relay runs, and for GB what to INVITE. */
interface PlayTarget {
  readonly device: DeviceRow;
  readonly node: ServiceNode;
  readonly streamId: string;
  readonly source: StreamSource | undefined;
  readonly channelOnline: boolean;
  /** Gateway channels only: whether the box is connected (gateway `Status` 1). */
  readonly gatewayOnline?: boolean;
}

/**
 * GB devices play a channel (`ChannelId` required, stream id = `<device code>_<channel code>`: a
 * channel code alone may name several cameras, docs/api-decisions.md "Stream ids");
 * gateway devices too (stream id = the channel code `<box device id>-<n>`, the relay asks the box
 * named by `gw` to push it); RTMP devices play what they push (`DeviceId` required, stream id =
 * the device code).
 */
async function findPlayTarget(db: Db, appId: string, deviceId: string | undefined, channelId: string | undefined): Promise<Outcome<PlayTarget>> {
  const byDevice = deviceId === undefined ? undefined : await findDeviceWithNode(db, appId, deviceId);
  if (deviceId !== undefined && !byDevice) return refuse(ErrorCodes.DeviceNotFound, `DeviceId ${deviceId} is not a device`);
  if (channelId !== undefined) {
    const found = await findChannelWithDevice(db, appId, channelId);
    if (!found) return refuse(ErrorCodes.ChannelNotFound, `ChannelId ${channelId} is not a channel`);
    if (byDevice && found.device.id !== byDevice.device.id) return refuse(ErrorCodes.ChannelNotFound, `ChannelId ${channelId} is not a channel of DeviceId ${deviceId}`);
    const { device, node, channel } = found;
    const channelOnline = channel.state === 1;
    if (device.accessProtocol === AccessProtocol.Gateway) {
      const gateway = await findOwningGateway(db, device.id);
      if (!gateway) return refuse(ErrorCodes.DeviceNotFound, `device ${device.code} is attached to no gateway`);
      const gatewayOnline = gateway.status === GatewayStatus.Online;
      return succeed({ device, node, streamId: channel.code, source: { gwId: gateway.gwId }, channelOnline, gatewayOnline });
    }
    const source = { deviceCode: device.code, transport: mediaTransport(device.transportProtocol) };
    return succeed({ device, node, streamId: deviceChannelStreamId(device.code, channel.code), source, channelOnline });
  }
  if (!byDevice) return refuse(ErrorCodes.InvalidParameter, "ChannelId (GB devices) or DeviceId (RTMP devices) is required");
  const { device, node } = byDevice;
  if (device.accessProtocol === AccessProtocol.Gb) return refuse(ErrorCodes.InvalidParameter, "ChannelId is required for GB devices");
  if (device.accessProtocol === AccessProtocol.Gateway) return refuse(ErrorCodes.InvalidParameter, "ChannelId is required for gateway devices");
  if (device.accessProtocol !== AccessProtocol.Rtmp) return refuse(ErrorCodes.InvalidAccessProtocol, `device ${device.code} has no live stream here`);
  return succeed({ device, node, streamId: device.code, source: undefined, channelOnline: true });
}

/**
 * Order of spec 02 §18's refusals: disabled, never registered (or never pushed), offline (a
 * gateway device is offline with its box: a box that stopped heartbeating cannot push), then the channel.
 */
function refusePlay(target: PlayTarget) {
  const { device } = target;
  if (device.disabled) return refuse(ErrorCodes.DeviceDisabled, `device ${device.code} is disabled`);
  if (target.gatewayOnline === false) return refuse(ErrorCodes.DeviceOffline, `the gateway of device ${device.code} is offline`);
  if (device.linkStatus === DeviceStatus.Unregistered) return refuse(ErrorCodes.DeviceNotRegistered, `device ${device.code} never registered`);
  if (device.linkStatus === DeviceStatus.Offline) return refuse(ErrorCodes.DeviceOffline, `device ${device.code} is offline`);
  if (!target.channelOnline) return refuse(ErrorCodes.ChannelOffline, `channel ${target.streamId} is offline`);
  return undefined;
}

export function streamRoutes(deps: RouteDeps): ApiRoute[] {
  const { db } = deps;
  return [
    defineRoute({
      method: "POST",
      url: "/ivc/cms/control/stream",
      summary:
        "获取开流地址 Live HTTP-FLV and HLS URLs of a GB or gateway channel or an RTMP device, answered at once; the stream starts when a player opens a URL (spec 02 §18)",
      tag: TAG,
      query: {},
      body: {
        DeviceId: str({ required: false, description: "Device id; required for RTMP devices", pattern: UUID_PATTERN, invalid: ErrorCodes.InvalidDeviceId }),
        ChannelId: str({ required: false, description: "Channel id; required for GB and gateway devices", pattern: UUID_PATTERN, invalid: ErrorCodes.InvalidChannelId }),
        StreamType: int({ required: false, description: "1 main stream, 2 sub stream; not with Resolution", values: Object.values(StreamType) }),
        Resolution: str({
          required: false,
          description: "QCIF, CIF, 4CIF, D1, 720P, 1080P/I or a code the device supports (e.g. 19201080); not with StreamType",
          maxLength: 16,
          pattern: RESOLUTION_PATTERN,
        }),
      },
      data: data.playUrls,
      async handle(caller, { body }) {
        if (body.StreamType !== undefined && body.Resolution !== undefined) {
          return refuse(ErrorCodes.StreamTypeWithResolution, "send StreamType or Resolution, not both");
        }
        const target = await findPlayTarget(db, caller.appId, body.DeviceId, body.ChannelId);
        if (!target.ok) return target;
        const refused = refusePlay(target.value);
        if (refused) return refused;
        const { node, streamId, source } = target.value;
        const endpoint = await viewerEndpoint(db, caller.appId, node);
        if (!endpoint.ok) return endpoint;
        const signing = await findStreamSigning(db, caller.appId);
        const options = { streamType: body.StreamType, resolution: body.Resolution };
        return succeed(playUrls(endpoint.value, streamId, source, options, signing.pull, Math.floor(deps.now().getTime() / 1000)));
      },
    }),
  ];
}
