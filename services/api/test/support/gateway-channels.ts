import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { createGatewayEventHandlers } from "../../src/bus/gateway-events.js";
import type { Db } from "../../src/db/database.js";
import { devices, gatewayDevices, gateways } from "../../src/db/schema.js";
import { activateGateway } from "../../src/store/gateway-activation.js";
import { createGatewayKey } from "../../src/store/gateway-keys.js";
import { GatewayStatus } from "../../src/store/gateways.js";
import type { Harness } from "./harness.js";
import { testNode } from "./harness.js";

export interface GatewayChannelOptions {
  readonly clusterId?: string;
  /** Gateway Status 1 (as activation leaves it) unless told otherwise (missed heartbeats). */
  readonly gatewayOnline?: boolean;
  readonly channelOnline?: boolean;
  /** The box found an ONVIF PTZ configuration on the channel's profile. */
  readonly ptz?: boolean;
}

export interface GatewayChannel {
  readonly gatewayId: string;
  readonly gwId: string;
  readonly token: string;
  readonly deviceId: string;
  readonly deviceCode: string;
  readonly channelId: string;
  /** `<box device id>-1`, the relay's stream id. */
  readonly channelCode: string;
}

/** A gateway box of alice's account, activated with a key, reporting one ONVIF camera with one channel. */
export async function addGatewayChannel(h: Harness, db: Db, options: GatewayChannelOptions = {}): Promise<GatewayChannel> {
  const clusterId = options.clusterId ?? testNode.id;
  const { key } = await createGatewayKey(db, h.alice.appId, clusterId, 60_000);
  const activated = await activateGateway(db, key, { hostname: "store", machineId: `m-${randomBytes(8).toString("hex")}`, versions: { "edge-agent": "1.0.0" } });
  if (!activated.ok) throw new Error(activated.reason);
  const { gwId, token } = activated.value;
  const handlers = createGatewayEventHandlers(db, h.keyDeps.box, { revoke: () => undefined });
  const boxDeviceId = `dev-${randomBytes(6).toString("hex")}`;
  const channelCode = `${boxDeviceId}-1`;
  await handlers.devices({
    gwId,
    devices: [
      {
        id: boxDeviceId,
        name: "Front door",
        protocolType: 4,
        type: 1,
        ip: "192.168.1.64",
        port: 80,
        online: true,
        channels: [{ channelId: channelCode, name: "main", online: options.channelOnline ?? true, profileToken: "Profile_1", ptz: options.ptz ?? true }],
      },
    ],
  });
  if (options.gatewayOnline === false) await db.update(gateways).set({ status: GatewayStatus.Offline }).where(eq(gateways.gwId, gwId));
  const link = (await db.select().from(gatewayDevices).where(eq(gatewayDevices.boxDeviceId, boxDeviceId)))[0];
  const device = link && (await db.select().from(devices).where(eq(devices.id, link.deviceId)))[0];
  const channels = device ? await h.call<Array<{ ChannelId: string; ChannelCode: string }>>(h.alice, "GET", `/ivc/cms/device/channel?DeviceId=${device.id}`) : undefined;
  const channel = channels?.env.Data.find((c) => c.ChannelCode === channelCode);
  if (device && channel) return { gatewayId: activated.value.id, gwId, token, deviceId: device.id, deviceCode: device.code, channelId: channel.ChannelId, channelCode };
  throw new Error(`channel ${channelCode} not found through the device APIs`);
}
