import { isGbCode } from "@ivc/gb28181";
import type { OkError, XmlCharset } from "@ivc/gb28181";
import type { SipTransportProtocol, TimerConfig, TransactionTimers } from "@ivc/sip";
import { MAX_NVR_CHANNELS } from "./channels.js";
import type { DeviceKind } from "./channels.js";
import { rejectingMediaResponder } from "./media-responder.js";
import type { MediaResponder } from "./media-responder.js";
import type { Preset } from "./preset-table.js";
import { defaultRecordings, parseTimeZone, type Recording } from "./recordings.js";

export interface VirtualDeviceOptions {
  /** 20-digit GB code of the device (type 132 IPC, 118 NVR...). */
  deviceId: string;
  password: string;
  serverHost: string;
  /** Default 5060. */
  serverPort?: number;
  /** 20-digit GB code of the SIP server (the REGISTER Request-URI user). */
  serverId: string;
  /** SIP domain (10 digits); default: the first 10 digits of the device ID. */
  domain?: string;
  /** Default "udp". Over TCP everything goes through one connection. */
  transport?: SipTransportProtocol;
  /** Charset of every XML body sent; default GB2312 (GB/T 28181 §6.1). */
  charset?: XmlCharset;
  /** Address to bind; default 0.0.0.0 (the Contact then carries the address routed to the server). */
  localHost?: string;
  /** Default 0: an ephemeral port. */
  localPort?: number;
  /** Default "ipc" for one channel, "nvr" otherwise. */
  kind?: DeviceKind;
  /** Default 1. */
  channels?: number;
  /** Channel names by position; default "通道N". */
  channelNames?: readonly string[];
  /** IPC with one channel: report the device ID itself as the channel. */
  sameId?: boolean;
  /** DeviceName in DeviceInfo. */
  name?: string;
  manufacturer?: string;
  model?: string;
  firmware?: string;
  /** Seconds between keepalive MESSAGEs (fractions allowed for tests); false sends none. Default 60. */
  keepaliveInterval?: number | false;
  /** Registration lifetime asked for, in seconds. Default 3600. */
  expires?: number;
  /** Catalog items per MESSAGE. Default 4. */
  catalogPage?: number;
  /**
   * Recordings (epoch seconds) answered to RecordInfo: one list for every channel, or lists by
   * channel ID. Default: one 55-minute recording per hour over the 24 hours before the device was made.
   */
  recordings?: readonly Recording[] | Readonly<Record<string, readonly Recording[]>>;
  /** RecordInfo items per MESSAGE. Default 4. */
  recordPage?: number;
  /** Presets every channel starts with. Default none. */
  presets?: readonly Preset[];
  /** PresetQuery items per MESSAGE. Default 4. */
  presetPage?: number;
  /** The device's UTC offset, for the zone-less local times of RecordInfo. Default "+08:00". */
  timeZone?: string;
  /**
   * Result of the Response the device sends after a DeviceControl (A.2.6.1); default none, as
   * many cameras only answer the MESSAGE with 200 OK. "OK" still answers ERROR for an undecodable
   * PTZCmd or a preset that does not exist.
   */
  deviceControlResult?: OkError;
  /**
   * Call-ID of the MediaStatus 121 MESSAGE at the end of a playback: the call's own ("call",
   * default, out of dialog), a fresh one ("new", as some firmwares do), or the call's dialog itself
   * ("dialog": From the channel with the device's tag, To the platform with its tag, as Hikvision
   * and Dahua cameras send it).
   */
  mediaStatusCallId?: "call" | "new" | "dialog";
  /** CmdTypes whose MESSAGEs get the 200 OK and nothing more (no answer, no Result). */
  muteCmdTypes?: readonly string[];
  /** CmdTypes whose MESSAGEs get no SIP response at all (the request is lost). */
  dropCmdTypes?: readonly string[];
  /** Answer the digest challenge with a wrong password (to test rejection). */
  wrongPassword?: boolean;
  /** Answers INVITEs; default refuses them with 488. */
  mediaResponder?: MediaResponder;
  /** Requests kept in `journal` (oldest dropped first). Default 1000. */
  journalLimit?: number;
  /** How long stop() waits for the un-REGISTER before closing anyway. Default 2000 ms. */
  stopTimeoutMs?: number;
  timers?: TransactionTimers;
  timerConfig?: Partial<TimerConfig>;
}

export type ResolvedDeviceOptions = Required<
  Omit<VirtualDeviceOptions, "channelNames" | "timers" | "timerConfig" | "keepaliveInterval" | "deviceControlResult" | "timeZone">
> & {
  channelNames: readonly string[];
  utcOffsetMinutes: number;
  deviceControlResult?: OkError;
  keepaliveInterval: number | false;
  timers?: TransactionTimers;
  timerConfig?: Partial<TimerConfig>;
};

function check(condition: boolean, message: string): void {
  if (!condition) throw new RangeError(message);
}

const isPort = (port: number) => Number.isInteger(port) && port >= 0 && port <= 65535;

/** Defaults applied and every option checked; a RangeError names the bad option. */
export function resolveDeviceOptions(options: VirtualDeviceOptions): ResolvedDeviceOptions {
  const channels = options.channels ?? 1;
  const kind = options.kind ?? (channels === 1 ? "ipc" : "nvr");
  const keepaliveInterval = options.keepaliveInterval ?? 60;
  const resolved: ResolvedDeviceOptions = {
    deviceId: options.deviceId,
    password: options.password,
    serverHost: options.serverHost,
    serverPort: options.serverPort ?? 5060,
    serverId: options.serverId,
    domain: options.domain ?? options.deviceId.slice(0, 10),
    transport: options.transport ?? "udp",
    charset: options.charset ?? "GB2312",
    localHost: options.localHost ?? "0.0.0.0",
    localPort: options.localPort ?? 0,
    kind,
    channels,
    channelNames: options.channelNames ?? [],
    sameId: options.sameId ?? false,
    name: options.name ?? (kind === "nvr" ? "虚拟NVR" : "虚拟摄像机"),
    manufacturer: options.manufacturer ?? "IVC",
    model: options.model ?? (kind === "nvr" ? "SIM-NVR" : "SIM-IPC"),
    firmware: options.firmware ?? "V1.0.0",
    keepaliveInterval,
    expires: options.expires ?? 3600,
    catalogPage: options.catalogPage ?? 4,
    recordings: options.recordings ?? defaultRecordings(Math.floor(Date.now() / 1000)),
    recordPage: options.recordPage ?? 4,
    presets: options.presets ?? [],
    presetPage: options.presetPage ?? 4,
    utcOffsetMinutes: parseTimeZone(options.timeZone ?? "+08:00") ?? NaN,
    mediaStatusCallId: options.mediaStatusCallId ?? "call",
    muteCmdTypes: options.muteCmdTypes ?? [],
    dropCmdTypes: options.dropCmdTypes ?? [],
    ...(options.deviceControlResult ? { deviceControlResult: options.deviceControlResult } : {}),
    wrongPassword: options.wrongPassword ?? false,
    mediaResponder: options.mediaResponder ?? rejectingMediaResponder,
    journalLimit: options.journalLimit ?? 1000,
    stopTimeoutMs: options.stopTimeoutMs ?? 2000,
    ...(options.timers ? { timers: options.timers } : {}),
    ...(options.timerConfig ? { timerConfig: options.timerConfig } : {}),
  };
  check(isGbCode(resolved.deviceId), `deviceId must be a 20-digit GB code, got "${resolved.deviceId}"`);
  check(isGbCode(resolved.serverId), `serverId must be a 20-digit GB code, got "${resolved.serverId}"`);
  check(/^\d{10}$/.test(resolved.domain), `domain must be 10 digits, got "${resolved.domain}"`);
  check(resolved.password.length > 0, "password must not be empty");
  check(resolved.serverHost.length > 0, "serverHost must not be empty");
  check(isPort(resolved.serverPort) && resolved.serverPort > 0, `serverPort must be 1..65535, got ${resolved.serverPort}`);
  check(isPort(resolved.localPort), `localPort must be 0..65535, got ${resolved.localPort}`);
  check(resolved.transport === "udp" || resolved.transport === "tcp", `transport must be udp or tcp, got "${resolved.transport}"`);
  const maxChannels = kind === "ipc" ? 1 : MAX_NVR_CHANNELS;
  check(Number.isInteger(channels) && channels >= 1 && channels <= maxChannels, `channels must be 1..${maxChannels} for an ${kind.toUpperCase()}, got ${channels}`);
  check(!resolved.sameId || kind === "ipc", "sameId needs an IPC with 1 channel");
  check(
    keepaliveInterval === false || (Number.isFinite(keepaliveInterval) && keepaliveInterval > 0),
    `keepaliveInterval must be a positive number of seconds or false, got ${keepaliveInterval}`,
  );
  check(Number.isInteger(resolved.expires) && resolved.expires >= 1, `expires must be a positive integer, got ${resolved.expires}`);
  check(Number.isInteger(resolved.catalogPage) && resolved.catalogPage >= 1, `catalogPage must be a positive integer, got ${resolved.catalogPage}`);
  for (const [name, size] of [["recordPage", resolved.recordPage], ["presetPage", resolved.presetPage]] as const) {
    check(Number.isInteger(size) && size >= 1, `${name} must be a positive integer, got ${size}`);
  }
  check(!Number.isNaN(resolved.utcOffsetMinutes), `timeZone must be a UTC offset like +08:00, got "${options.timeZone}"`);
  check(
    resolved.presets.every((preset) => Number.isInteger(preset.index) && preset.index >= 1 && preset.index <= 255),
    "preset indexes must be 1..255",
  );
  check(Number.isInteger(resolved.journalLimit) && resolved.journalLimit >= 0, `journalLimit must be a non-negative integer, got ${resolved.journalLimit}`);
  return resolved;
}
