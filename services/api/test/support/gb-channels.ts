import type { IssuedKey } from "../../src/accounts/keys.js";
import type { DeviceEventHandlers } from "../../src/bus/device-events.js";
import type { Harness } from "./harness.js";
import { testNode } from "./harness.js";

export interface GbChannelOptions {
  readonly key?: IssuedKey;
  /** The device's service node; the test node unless told otherwise. */
  readonly clusterId?: string;
  readonly transport?: number;
  readonly deviceOnline?: boolean;
  readonly channelOnline?: boolean;
  /** GB/T 28181 PTZType from the catalog: 1 dome (controllable), 3 fixed (not). */
  readonly gbPtzType?: number;
}

export interface GbChannel {
  readonly deviceId: string;
  readonly deviceCode: string;
  readonly channelId: string;
  readonly channelCode: string;
}

let nextChannel = 1;

/** A GB device of `key`'s account with one channel reported by its catalog; online and a PTZ dome unless told otherwise. */
export async function addGbChannel(h: Harness, events: DeviceEventHandlers, options: GbChannelOptions = {}): Promise<GbChannel> {
  const key = options.key ?? h.alice;
  const clusterId = options.clusterId ?? testNode.id;
  const body = { Name: "cam", AccessProtocol: 2, Type: 2, TransportProtocol: options.transport ?? 1, Password: "12345678", OrganizationId: "0", ClusterId: clusterId };
  const device = (await h.call<{ Id: string; Code: string }>(key, "POST", "/ivc/cms/device/add", body)).env.Data;
  const channelCode = `340200000013200${String(nextChannel++).padStart(5, "0")}`;
  await events.catalog({
    clusterId,
    deviceId: device.Code,
    channels: [{ channelId: channelCode, name: "ch", online: options.channelOnline ?? true, ptzType: options.gbPtzType ?? 1 }],
  });
  if (options.deviceOnline ?? true) await events.online({ clusterId, deviceId: device.Code });
  const channels = await h.call<Array<{ ChannelId: string }>>(key, "GET", `/ivc/cms/device/channel?DeviceId=${device.Id}`);
  return { deviceId: device.Id, deviceCode: device.Code, channelId: channels.env.Data[0]?.ChannelId ?? "", channelCode };
}
