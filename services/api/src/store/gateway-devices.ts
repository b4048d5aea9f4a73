import { gatewayProtocolTypes } from "@ivc/bus";
import type { GatewayDevice } from "@ivc/bus";
import { and, asc, count, eq, inArray } from "drizzle-orm";
import type { SecretBox } from "../accounts/secret-box.js";
import type { Db } from "../db/database.js";
import { channels, devices, gatewayDevices } from "../db/schema.js";
import type { GatewayRow } from "./gateways.js";
import { upsertChannels } from "./channels.js";
import { AccessProtocol } from "./device-enums.js";
import { setLinkStatus, setManufacturer } from "./device-link.js";
import { addDevice, presentedStatus } from "./devices.js";
import { ruleAbidingName } from "./gateway-names.js";
import { ROOT_ORGANIZATION_ID } from "./organizations.js";

/**
 * GB/T 28181 PTZType as `upsertChannels` reads it: 1 (dome, controllable) for a profile with an
 * ONVIF PTZ configuration, 3 (fixed) without one — absent would count as controllable.
 */
const GB_PTZ_DOME = 1;
const GB_PTZ_FIXED = 3;

/** G4 list item. */
export interface GatewayDeviceItem {
  Id: string;
  Name: string;
  ProtocolType: number;
  ProtocolTypeName: string;
  Type: number;
  Ip: string;
  Port: number;
  ChannelNum: number;
  Status: number;
}

export function protocolTypeName(value: number): string {
  return gatewayProtocolTypes.find((p) => p.value === value)?.label ?? "";
}

export async function listGatewayDevices(db: Db, appId: string, gatewayId: string): Promise<{ List: GatewayDeviceItem[]; TotalCount: number }> {
  const rows = await db
    .select({ device: devices, link: gatewayDevices, channelNum: count(channels.id) })
    .from(gatewayDevices)
    .innerJoin(devices, eq(devices.id, gatewayDevices.deviceId))
    .leftJoin(channels, eq(channels.deviceId, devices.id))
    .where(and(eq(gatewayDevices.gatewayId, gatewayId), eq(devices.appId, appId)))
    .groupBy(devices.id, gatewayDevices.deviceId)
    .orderBy(asc(devices.createdAt), asc(devices.id));
  return {
    TotalCount: rows.length,
    List: rows.map(({ device, link, channelNum }) => ({
      Id: device.id,
      Name: device.name,
      ProtocolType: link.protocolType,
      ProtocolTypeName: protocolTypeName(link.protocolType),
      Type: device.type,
      Ip: link.ip,
      Port: link.port,
      ChannelNum: channelNum,
      Status: presentedStatus(device),
    })),
  };
}

/** Creates the device row of a LAN device the box reported for the first time; undefined when another instance won the race. */
async function attach(db: Db, box: SecretBox, gateway: GatewayRow, reported: GatewayDevice): Promise<string | undefined> {
  const added = await addDevice(db, box, gateway.appId, {
    Name: ruleAbidingName(reported.name, reported.id.slice(0, 32)),
    AccessProtocol: AccessProtocol.Gateway,
    Type: reported.type,
    TransportProtocol: undefined,
    Password: undefined,
    Description: undefined,
    OrganizationId: String(ROOT_ORGANIZATION_ID),
    ClusterId: gateway.clusterId,
  });
  if (!added.ok) throw new Error(`gateway ${gateway.gwId}: device ${reported.id} not added: ${added.failure.detail}`);
  const linked = await db
    .insert(gatewayDevices)
    .values({ deviceId: added.value.Id, gatewayId: gateway.id, boxDeviceId: reported.id, protocolType: reported.protocolType, ip: reported.ip, port: reported.port })
    .onConflictDoNothing()
    .returning({ id: gatewayDevices.deviceId });
  if (linked.length > 0) return added.value.Id;
  await db.delete(devices).where(eq(devices.id, added.value.Id));
  return undefined;
}

/**
 * Applies the box's full device list (`gateway.devices`): new LAN devices become devices with
 * AccessProtocol 3 in the account's root organization, known ones take the reported address and
 * online state, and devices the box no longer has are deleted with their channels (the box is
 * the authority on what is attached to it). Channel codes are the box's channel ids.
 */
export async function syncGatewayDevices(db: Db, box: SecretBox, gateway: GatewayRow, reported: readonly GatewayDevice[]): Promise<void> {
  const known = await db.select().from(gatewayDevices).where(eq(gatewayDevices.gatewayId, gateway.id));
  const byBoxId = new Map(known.map((k) => [k.boxDeviceId, k.deviceId]));
  const kept = new Set<string>();
  for (const device of reported) {
    let deviceId = byBoxId.get(device.id);
    if (deviceId === undefined) {
      deviceId = await attach(db, box, gateway, device);
      if (deviceId === undefined) continue;
    } else {
      await db
        .update(gatewayDevices)
        .set({ protocolType: device.protocolType, ip: device.ip, port: device.port })
        .where(eq(gatewayDevices.deviceId, deviceId));
    }
    kept.add(deviceId);
    await setLinkStatus(db, deviceId, device.online);
    if (device.manufacturer !== undefined) await setManufacturer(db, deviceId, device.manufacturer);
    await upsertChannels(
      db,
      { appId: gateway.appId, id: deviceId },
      device.channels.map((c) => ({ code: c.channelId, name: c.name, manufacturer: device.manufacturer, online: device.online && c.online, ptzType: c.ptz ? GB_PTZ_DOME : GB_PTZ_FIXED })),
    );
  }
  const gone = known.filter((k) => !kept.has(k.deviceId)).map((k) => k.deviceId);
  if (gone.length > 0) await db.delete(devices).where(inArray(devices.id, gone));
}
