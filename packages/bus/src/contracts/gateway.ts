import { z } from "zod";
import { defineEvent, defineRequest, subjectOf } from "../contract.js";

/**
 * The view-access gateway (spec 04 Part G): an edge box on a store LAN that dials out to the
 * platform's NATS, activates with a single-use key, heartbeats its monitor figures, attaches LAN
 * cameras over ONVIF/RTSP and is upgraded with one call. Requests to a box travel on
 * `ivc.gw.<gwId>.<verb…>`; the box's own reports are events under `ivc.evt.gateway.*` with the
 * gwId in the payload.
 *
 * Report authentication. Anything connected to NATS can publish on `ivc.evt.gateway.*`, so every
 * report of a box (`gateway.heartbeat`, `gateway.devices`, `gateway.upgrade.status`) carries `sig`,
 * proof that its sender holds the gateway's token without the token or its hash on the wire:
 *
 *   sig = hex(HMAC-SHA256(key = hashGatewaySecret(token), message))
 *   message = "ivc-gateway-report-v1\n" + <report name> + "\n" + gwId + "\n" + at + "\n"
 *             + hex(SHA-256(canonicalJson(report without sig)))
 *
 * The key is the 64 lowercase hex characters of `hashGatewaySecret` (SHA-256 of the token's UTF-8),
 * the form the platform stores, so the platform verifies with what it has and a deleted gateway's
 * key material is gone with its row. `canonicalJson` is JSON without whitespace, object keys sorted
 * (by UTF-16 code unit) at every level and undefined members left out; the report is taken as its
 * schema parses it, which is what the platform acts on. The report name (the contract name) keeps a
 * signature of one kind from passing as another. The platform refuses, changing nothing, a report
 * whose `sig` is missing or wrong or whose `at` is outside its replay window (±5 min by default).
 * Helpers: packages/bus/src/gateway-report-auth.ts.
 */

const epochMs = z.number().int().nonnegative();
const port = z.number().int().min(1).max(65535);
/** GwId (spec G1 example "h3HRECtISGGnsPjxoYW1mEc2NjMhd1Ur"): it becomes a subject token. */
const gwId = z.string().regex(/^[A-Za-z0-9]{8,64}$/, "8-64 letters and digits");
const versionString = z.string().regex(/^[A-Za-z0-9._+-]{1,64}$/, "a version such as t0.0.0.16 or 1.2.3");
/** Service name → installed version, e.g. {"edge-agent": "1.4.0"} (G2 `Version[]`, G6 `Services[]`). */
const serviceVersions = z.record(z.string().regex(/^[a-z0-9-]{1,40}$/), versionString);

/**
 * A report's signature (see the top of this file). Optional in the schema only so the platform
 * can still read the gwId of an unsigned report to log its refusal; the platform refuses it.
 */
const reportSig = z.string().max(256).optional();

/** Coded errors a box or the platform answers on gateway subjects, with the API code each maps to. */
export const gatewayErrorCodes = {
  /** G-errors 41631 缺失网关密钥: the key is missing, unknown, expired or already spent. */
  gateway_key_invalid: 41631,
  /** G-errors 41632 该网关已存在，请勿重复激活: this box (machineId) already has a gateway record. */
  gateway_already_activated: 41632,
  /** G-errors 41629 无效的网关接入协议: a device protocol outside the G5 dictionary. */
  gateway_protocol_invalid: 41629,
  /** Common error 42205 资源使用中 (resource in use): an upgrade is already running on the box. */
  upgrade_in_progress: 42205,
  /** G-errors 51603 网关信令操作失败: anything else a box refuses or fails to do. */
  gateway_operation_failed: 51603,
} as const;
export type GatewayErrorCode = keyof typeof gatewayErrorCodes;

/** API code for a box/platform error code; unknown codes are gateway signalling failures (51603). */
export function gatewayApiCode(code: string | undefined): number {
  return code !== undefined && code in gatewayErrorCodes ? gatewayErrorCodes[code as GatewayErrorCode] : gatewayErrorCodes.gateway_operation_failed;
}

/** The G5 access-protocol dictionary (TypeCode "10001"), values and labels exactly as documented. */
export const gatewayProtocolTypes = [
  { typeCode: "10001", value: 1, label: "海康SDK" },
  { typeCode: "10001", value: 2, label: "大华SDK" },
  { typeCode: "10001", value: 3, label: "宇视SDK" },
  { typeCode: "10001", value: 4, label: "Onvif" },
] as const;
export type GatewayProtocolType = (typeof gatewayProtocolTypes)[number]["value"];
export const gatewayProtocolType = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]);

/** `IsUpdate` of G6: inferred from the examples as "installed differs from latest". */
export function gatewayIsUpdate(installed: string, latest: string): boolean {
  return installed !== latest;
}

/** What the box says about itself when it activates and in every heartbeat. */
export const gatewayBoxInfo = z.object({
  hostname: z.string().min(1).max(255),
  /** Stable per box (e.g. /etc/machine-id): how the platform recognises a box activating twice. */
  machineId: z.string().regex(/^[A-Za-z0-9-]{8,64}$/),
  versions: serviceVersions,
});

/**
 * Activation, once per box: the key (`ivc gateway key create --cluster …`) is single-use and
 * expires. The platform creates the gateway record and answers with its identity and the box's
 * credentials. Errors: `gateway_key_invalid` (→ 41631), `gateway_already_activated` (→ 41632).
 */
export const gatewayActivate = defineRequest(
  "api.gateway.activate",
  () => subjectOf("api", "gateway", "activate"),
  z.object({ key: z.string().min(1).max(256), boxInfo: gatewayBoxInfo }),
  z.object({
    /** Platform index id (UUID) every G-API is keyed by. */
    id: z.string().min(1),
    gwId,
    clusterId: z.string().min(1),
    /** Activation time (G1 `CreatedAt` 网关激活时间), epoch ms. */
    createdAt: epochMs,
    /** Per-gateway secret for NATS (user/token auth) and for pushing media to the relay. */
    credentials: z.object({ token: z.string().min(16) }),
  }),
);

export const upgradeStates = ["idle", "downloading", "verifying", "installing", "switching", "health-check", "succeeded", "rolled-back", "failed"] as const;

/** Where the box's upgrade stands; `reason` says why it failed or rolled back. */
export const gatewayUpgradeState = z.object({
  state: z.enum(upgradeStates),
  /** The version being installed (or last tried). */
  version: versionString.optional(),
  /** The version the box runs now. */
  current: versionString.optional(),
  reason: z.string().max(2000).optional(),
  at: epochMs,
});
export type GatewayUpgradeState = z.infer<typeof gatewayUpgradeState>;

const onlineCounts = z.object({
  total: z.number().int().nonnegative(),
  online: z.number().int().nonnegative(),
  offline: z.number().int().nonnegative(),
});

/**
 * Every few seconds (HEARTBEAT_INTERVAL). The platform marks a gateway `Status` 1 while these
 * arrive and 0 (with its devices offline) after it misses several. `upFlowKbps` is G3 `UpFlow`:
 * bits actually pushed over the last interval. A report (heartbeat or other) from a gwId the
 * platform no longer knows is answered with `gateway.revoked`, so a box that was offline at
 * deletion learns it. Signed (`sig`), as every report of the box.
 */
export const gatewayHeartbeat = defineEvent(
  "gateway.heartbeat",
  subjectOf("evt", "gateway", "heartbeat"),
  z.object({
    gwId,
    upFlowKbps: z.number().int().nonnegative(),
    devices: onlineCounts,
    channels: onlineCounts,
    versions: serviceVersions,
    upgrade: gatewayUpgradeState,
    at: epochMs,
    sig: reportSig,
  }),
);

/**
 * The gateway was deleted (G9) or its credentials withdrawn: the box wipes its identity, stops
 * every stream and refuses to work until activated with a new key.
 */
export const gatewayRevoked = defineEvent(
  "gateway.revoked",
  subjectOf("evt", "gateway", "revoked"),
  z.object({ gwId, reason: z.string().max(500).optional(), at: epochMs }),
);

/** Upgrade progress and outcome, one event per state change (G6 `UpgradeInfo`, logs). */
export const gatewayUpgradeStatus = defineEvent(
  "gateway.upgrade.status",
  subjectOf("evt", "gateway", "upgrade"),
  gatewayUpgradeState.extend({ gwId, sig: reportSig }),
);

export const gatewayChannel = z.object({
  /** Unique within the box: `<deviceId>-<n>` (n from 1). */
  channelId: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/),
  name: z.string().max(128),
  online: z.boolean(),
  /** ONVIF media profile token, when the channel came from GetProfiles. */
  profileToken: z.string().max(128).optional(),
  rtspUrl: z.string().max(2048).optional(),
  ptz: z.boolean(),
});
export type GatewayChannel = z.infer<typeof gatewayChannel>;

/** One LAN device attached to the box, as G4 lists it (`Type` 1 IPC / 2 NVR; `Status` 1 online / 2 offline). */
export const gatewayDevice = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  name: z.string().max(64),
  protocolType: gatewayProtocolType,
  type: z.union([z.literal(1), z.literal(2)]),
  ip: z.string().min(1).max(255),
  port,
  online: z.boolean(),
  channels: z.array(gatewayChannel),
  manufacturer: z.string().max(128).optional(),
  model: z.string().max(128).optional(),
  firmware: z.string().max(128).optional(),
});
export type GatewayDevice = z.infer<typeof gatewayDevice>;

/** The box's attached devices, sent on every change and periodically; passwords never leave the box. */
export const gatewayDevices = defineEvent(
  "gateway.devices",
  subjectOf("evt", "gateway", "devices"),
  z.object({ gwId, devices: z.array(gatewayDevice), at: epochMs, sig: reportSig }),
);

const box = (verb: string) => (p: { gwId: string }) => subjectOf("gw", p.gwId, ...verb.split("."));

/**
 * Install a release bundle. The box answers at once ({accepted: true}) and reports progress with
 * `gateway.upgrade.status`. `bundleUrl` is an http(s) URL served by the platform or a file path on
 * the box. Error: `upgrade_in_progress` (→ 42205 resource in use).
 */
export const gatewayUpgrade = defineRequest(
  "gw.upgrade",
  box("upgrade"),
  z.object({ version: versionString, bundleUrl: z.string().min(1).max(2048) }),
  z.object({ accepted: z.literal(true) }),
);

/** Attach a LAN device. Errors: `gateway_protocol_invalid` (→ 41629), `gateway_operation_failed`. */
export const gatewayDeviceAdd = defineRequest(
  "gw.device.add",
  box("device.add"),
  z.object({
    name: z.string().max(64).optional(),
    protocolType: z.number().int(),
    type: z.union([z.literal(1), z.literal(2)]).optional(),
    ip: z.string().min(1).max(255),
    port,
    user: z.string().max(128),
    password: z.string().max(128),
    /** Channels of a device reached by RTSP layout only (protocols 1-3 without ONVIF); default 1. */
    channelCount: z.number().int().min(1).max(256).optional(),
    rtspPort: port.optional(),
  }),
  gatewayDevice,
);

export const gatewayDeviceRemove = defineRequest(
  "gw.device.remove",
  box("device.remove"),
  z.object({ id: z.string().min(1) }),
  z.object({ removed: z.boolean() }),
);

export const gatewayDeviceList = defineRequest("gw.device.list", box("device.list"), z.object({}), z.object({ devices: z.array(gatewayDevice) }));

/**
 * Pull a channel's RTSP with ffmpeg and push it as FLV to `pushUrl` (rtmp:// on the media relay,
 * carrying the per-gateway credentials). Idempotent: a running stream of the channel is kept.
 */
export const gatewayStreamStart = defineRequest(
  "gw.stream.start",
  box("stream.start"),
  z.object({ channelId: z.string().min(1), pushUrl: z.string().min(1).max(2048) }),
  z.object({ started: z.boolean() }),
);

export const gatewayStreamStop = defineRequest(
  "gw.stream.stop",
  box("stream.stop"),
  z.object({ channelId: z.string().min(1) }),
  z.object({ stopped: z.boolean() }),
);

/** ONVIF PTZ (PTZ Service Spec §5.3 ContinuousMove/Stop, §5.4 presets); speeds in [-1, 1]. */
export const gatewayPtz = defineRequest(
  "gw.ptz",
  box("ptz"),
  z.discriminatedUnion("action", [
    z.object({
      action: z.literal("move"),
      channelId: z.string().min(1),
      pan: z.number().min(-1).max(1),
      tilt: z.number().min(-1).max(1),
      zoom: z.number().min(-1).max(1),
      timeoutMs: z.number().int().min(100).max(60_000).optional(),
    }),
    z.object({ action: z.literal("stop"), channelId: z.string().min(1) }),
    z.object({ action: z.literal("preset-goto"), channelId: z.string().min(1), presetToken: z.string().min(1).max(64) }),
    z.object({ action: z.literal("preset-set"), channelId: z.string().min(1), presetName: z.string().max(64).optional(), presetToken: z.string().max(64).optional() }),
    z.object({ action: z.literal("preset-remove"), channelId: z.string().min(1), presetToken: z.string().min(1).max(64) }),
    z.object({ action: z.literal("preset-list"), channelId: z.string().min(1) }),
  ]),
  z.object({
    done: z.literal(true),
    presetToken: z.string().optional(),
    presets: z.array(z.object({ token: z.string(), name: z.string() })).optional(),
  }),
);
