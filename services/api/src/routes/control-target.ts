import type { ChannelTarget } from "../bus/channel-control.js";
import type { Db } from "../db/database.js";
import type { channels, devices } from "../db/schema.js";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import { findChannelWithDevice } from "../store/channels.js";
import { AccessProtocol, DeviceStatus } from "../store/device-enums.js";
import { findOwningGateway } from "../store/gateway-channels.js";
import type { OwningGateway } from "../store/gateway-channels.js";
import { GatewayStatus } from "../store/gateways.js";
import type { ServiceNode } from "../store/service-nodes.js";

type ChannelRow = typeof channels.$inferSelect;
type DeviceRow = typeof devices.$inferSelect;

/**
 * What a control route needs of the channel beyond its device being reachable. PTZ and presets
 * move a camera, so the camera must be online and controllable; recordings live on the device
 * (an NVR keeps them while a camera is offline), so the channel's own state does not matter.
 * Gateway channels (AccessProtocol 3) offer PTZ through ONVIF but no device recordings.
 */
export interface ChannelNeeds {
  readonly online: boolean;
  readonly ptz: boolean;
  readonly gateway: boolean;
}

export const PTZ_NEEDS: ChannelNeeds = { online: true, ptz: true, gateway: true };
export const RECORDING_NEEDS: ChannelNeeds = { online: false, ptz: false, gateway: false };

/** Spec 02 §7 PtzType: 0 不可控, 1 可控. */
const PTZ_CONTROLLABLE = 1;
const CHANNEL_ONLINE = 1;

/**
 * Refusals in the order of live play (spec 02 §18): protocol, disabled, never registered, offline
 * (for a gateway channel also its box), then the channel. `gateway` is the box of a gateway device.
 */
export function checkChannel(found: { channel: ChannelRow; device: DeviceRow }, needs: ChannelNeeds, gateway?: OwningGateway): Outcome<ChannelTarget> {
  const { channel, device } = found;
  const viaGateway = device.accessProtocol === AccessProtocol.Gateway && needs.gateway && gateway !== undefined;
  if (device.accessProtocol !== AccessProtocol.Gb && !viaGateway) return refuse(ErrorCodes.InvalidAccessProtocol, `device ${device.code} is not a GB28181 device`);
  if (device.disabled) return refuse(ErrorCodes.DeviceDisabled, `device ${device.code} is disabled`);
  if (viaGateway && gateway.status !== GatewayStatus.Online) return refuse(ErrorCodes.DeviceOffline, `the gateway of device ${device.code} is offline`);
  if (device.linkStatus === DeviceStatus.Unregistered) return refuse(ErrorCodes.DeviceNotRegistered, `device ${device.code} never registered`);
  if (device.linkStatus === DeviceStatus.Offline) return refuse(ErrorCodes.DeviceOffline, `device ${device.code} is offline`);
  if (needs.online && channel.state !== CHANNEL_ONLINE) return refuse(ErrorCodes.ChannelOffline, `channel ${channel.code} is offline`);
  if (needs.ptz && channel.ptzType !== PTZ_CONTROLLABLE) return refuse(ErrorCodes.InvalidDeviceType, `channel ${channel.code} has no controllable PTZ (PtzType 0)`);
  return succeed({ clusterId: device.clusterId, deviceCode: device.code, channelCode: channel.code, ...(viaGateway ? { gwId: gateway.gwId } : {}) });
}

export interface ControlChannel {
  readonly target: ChannelTarget;
  readonly device: DeviceRow;
  readonly node: ServiceNode;
}

/** The caller's channel `channelId` (42207 for unknown ids and other accounts' channels), checked for `needs`. */
export async function findControlChannel(db: Db, appId: string, channelId: string, needs: ChannelNeeds): Promise<Outcome<ControlChannel>> {
  const found = await findChannelWithDevice(db, appId, channelId);
  if (!found) return refuse(ErrorCodes.ChannelNotFound, `ChannelId ${channelId} is not a channel`);
  const gateway = found.device.accessProtocol === AccessProtocol.Gateway && needs.gateway ? await findOwningGateway(db, found.device.id) : undefined;
  const target = checkChannel(found, needs, gateway);
  if (!target.ok) return target;
  return succeed({ target: target.value, device: found.device, node: found.node });
}
