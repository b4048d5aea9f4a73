import { z } from "zod";
import { defineEvent, defineRequest, subjectOf, type ClusterScope } from "../contract.js";

const gbCode = z.string().regex(/^\d{20}$/, "a 20-digit GB code");
const epochMs = z.number().int().nonnegative();

/** A device finished REGISTER (digest accepted); the API sets its Status to online. */
export const deviceOnline = defineEvent(
  "device.online",
  subjectOf("evt", "device", "online"),
  z.object({
    clusterId: z.string(),
    deviceId: gbCode,
    transport: z.enum(["udp", "tcp"]),
    remoteAddress: z.string(),
    remotePort: z.number().int(),
    expiresSeconds: z.number().int().nonnegative(),
    at: epochMs,
  }),
);

export const offlineReasons = ["keepalive-timeout", "unregistered", "registration-expired", "disabled", "deleted"] as const;

export const deviceOffline = defineEvent(
  "device.offline",
  subjectOf("evt", "device", "offline"),
  z.object({ clusterId: z.string(), deviceId: gbCode, reason: z.enum(offlineReasons), at: epochMs }),
);

export const catalogChannel = z.object({
  channelId: z.string().min(1),
  name: z.string(),
  manufacturer: z.string().optional(),
  model: z.string().optional(),
  parentId: z.string().optional(),
  civilCode: z.string().optional(),
  address: z.string().optional(),
  online: z.boolean(),
  ptzType: z.number().int().optional(),
  longitude: z.number().optional(),
  latitude: z.number().optional(),
});
export type CatalogChannel = z.infer<typeof catalogChannel>;

/**
 * A catalog entry that carries no video (docs/api-decisions.md, "Catalog entries"): a civil-code
 * node, business group, virtual organization, device (NVR/DVR/encoder) or alarm input. Kept
 * with its place in the device's tree; channels point into it by `parentId`/`civilCode`.
 */
export const catalogDirectory = z.object({
  code: z.string().min(1),
  name: z.string(),
  kind: z.enum(["civil-code", "business-group", "virtual-organization", "device", "alarm-input", "other"]),
  parentId: z.string().optional(),
  civilCode: z.string().optional(),
  businessGroupId: z.string().optional(),
});
export type CatalogDirectory = z.infer<typeof catalogDirectory>;

/**
 * The whole catalog of a device as assembled from its (possibly multi-part) answer. `partial`
 * is true when fewer items than `sumNum` arrived before the assembly timeout. `sumNum` counts
 * every entry; `channels` are the ones with video, `directories` the rest.
 */
export const deviceCatalog = defineEvent(
  "device.catalog",
  subjectOf("evt", "device", "catalog"),
  z.object({
    clusterId: z.string(),
    deviceId: gbCode,
    sumNum: z.number().int().nonnegative(),
    partial: z.boolean(),
    channels: z.array(catalogChannel),
    directories: z.array(catalogDirectory).optional(),
    at: epochMs,
  }),
);

/** Incremental catalog change from a NOTIFY (GB28181 §9.6.3: ADD, DEL, UPDATE, ON, OFF, VLOST, DEFECT). */
export const channelChanged = defineEvent(
  "device.channel",
  subjectOf("evt", "device", "channel"),
  z.object({
    clusterId: z.string(),
    deviceId: gbCode,
    event: z.enum(["ADD", "DEL", "UPDATE", "ON", "OFF", "VLOST", "DEFECT"]),
    channel: catalogChannel,
    at: epochMs,
  }),
);

export const deviceInfoFields = z.object({
  manufacturer: z.string().optional(),
  model: z.string().optional(),
  firmware: z.string().optional(),
  channelCount: z.number().int().optional(),
});

export const deviceInfo = defineEvent(
  "device.info",
  subjectOf("evt", "device", "info"),
  deviceInfoFields.extend({ clusterId: z.string(), deviceId: gbCode, at: epochMs }),
);

/**
 * A MobilePosition notification (GB/T 28181-2016 §9.11, A.2.5.5) from a device about itself or
 * one of its channels (`channelId`, the body's DeviceID). The sip-server also keeps the last one
 * per device and channel in Redis. `time` is the device's local time text as sent.
 */
export const devicePosition = defineEvent(
  "device.position",
  subjectOf("evt", "device", "position"),
  z.object({
    clusterId: z.string(),
    deviceId: gbCode,
    channelId: z.string().min(1),
    longitude: z.number(),
    latitude: z.number(),
    speed: z.number().optional(),
    direction: z.number().optional(),
    altitude: z.number().optional(),
    time: z.string().optional(),
    at: epochMs,
  }),
);
export type DevicePosition = z.infer<typeof devicePosition.schema>;

/**
 * The API tells signaling what changed about a device it owns, so the sip-server's cache of
 * passwords and enabled flags follows without polling.
 */
export const deviceChanged = defineEvent(
  "device.changed",
  subjectOf("evt", "device", "changed"),
  z.object({ deviceId: gbCode, change: z.enum(["upserted", "deleted"]), at: epochMs }),
);

/**
 * What signaling needs to admit a device at REGISTER; asked of the API on a cache miss. Sent on
 * the asking site's cluster subject; the API answers every site through `ANY_CLUSTER`.
 */
export const deviceCredentials = defineRequest(
  "api.device.credentials",
  (p: { clusterId: ClusterScope }) => subjectOf(p.clusterId, "api", "device", "credentials"),
  z.object({ deviceId: gbCode }),
  z.discriminatedUnion("found", [
    z.object({ found: z.literal(false) }),
    z.object({
      found: z.literal(true),
      clusterId: z.string(),
      enabled: z.boolean(),
      password: z.string(),
      deviceType: z.enum(["IPC", "NVR"]),
      transport: z.enum(["udp", "tcp-passive", "tcp-active"]),
      charset: z.enum(["GB2312", "UTF-8"]).optional(),
    }),
  ]),
);

/** Ask signaling to query a device's catalog again; replies when the query was sent. */
export const catalogRefresh = defineRequest(
  "sip.catalog.refresh",
  (p: { clusterId: string }) => subjectOf(p.clusterId, "sip", "catalog", "refresh"),
  z.object({ deviceId: gbCode }),
  z.object({ sn: z.number().int() }),
);

export const deviceInfoQuery = defineRequest(
  "sip.device.info",
  (p: { clusterId: string }) => subjectOf(p.clusterId, "sip", "device", "info"),
  z.object({ deviceId: gbCode }),
  deviceInfoFields,
);

/** Most device codes one `sip.device.keepalives` request names: the device list's largest page. */
export const KEEPALIVES_MAX_DEVICES = 1000;

/**
 * When the sip-server last heard from registered devices (their registrations in Redis): the API
 * reads it for the device list and describe, so a keepalive every minute per device costs no
 * database write. Devices that are not registered now are left out of `devices`.
 */
export const deviceKeepalives = defineRequest(
  "sip.device.keepalives",
  (p: { clusterId: string }) => subjectOf(p.clusterId, "sip", "device", "keepalives"),
  z.object({ deviceIds: z.array(gbCode).max(KEEPALIVES_MAX_DEVICES) }),
  z.object({
    devices: z.array(z.object({ deviceId: gbCode, registeredAt: epochMs, lastKeepaliveAt: epochMs })),
  }),
);

export const deviceStatusQuery = defineRequest(
  "sip.device.status",
  (p: { clusterId: string }) => subjectOf(p.clusterId, "sip", "device", "status"),
  z.object({ deviceId: gbCode }),
  z.object({
    online: z.boolean(),
    statusOk: z.boolean(),
    encode: z.boolean().optional(),
    record: z.boolean().optional(),
    deviceTime: z.string().optional(),
    alarms: z.array(z.object({ channelId: z.string(), status: z.string() })).optional(),
  }),
);
