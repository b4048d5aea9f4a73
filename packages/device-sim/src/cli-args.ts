import { parseArgs } from "node:util";
import { isGbCode } from "@ivc/gb28181";
import type { XmlCharset } from "@ivc/gb28181";
import type { VideoCodec } from "@ivc/media";
import { resolveDeviceOptions } from "./device-options.js";
import type { VirtualDeviceOptions } from "./device-options.js";
import type { StreamingResponderOptions } from "./streaming-responder.js";

export const CLI_USAGE = `Usage: gb-device-sim --server HOST[:PORT] --server-id ID --id ID --password PASSWORD [options]

A virtual GB28181 IPC/NVR: registers, sends keepalives, answers Catalog/DeviceInfo/DeviceStatus,
RecordInfo and PresetQuery, obeys PTZ commands, streams live and playback.

  --server HOST[:PORT]   SIP server (port default 5060)
  --server-id ID         20-digit SIP server ID
  --domain DOMAIN        10-digit SIP domain (default: first 10 digits of --server-id)
  --id ID                20-digit device ID
  --password PASSWORD    registration password
  --channels N           1 = IPC, more = NVR (default 1)
  --same-id              IPC: report the device ID itself as its channel
  --transport udp|tcp    default udp
  --charset gb2312|gb18030|utf-8  XML body charset (default gb2312)
  --local-host ADDR      address to bind (default 0.0.0.0)
  --local-port PORT      SIP port to bind (default 0: any free port)
  --keepalive SECONDS    keepalive interval, 0 = none (default 60)
  --expires SECONDS      registration expiry (default 3600)
  --catalog-page N       catalog items per MESSAGE (default 4)
  --name NAME            device name (DeviceInfo)
  --manufacturer TEXT, --model TEXT, --firmware TEXT
  --wrong-password       answer the challenge with a wrong password
Recordings and PTZ:
  --time-zone=±HH:MM     the device's UTC offset for RecordInfo times (default +08:00; write it with =)
  --record-page N        RecordInfo items per MESSAGE (default 4)
  --presets N            presets 1..N on every channel (default 0)
  --preset-page N        PresetQuery items per MESSAGE (default 4)
  --control-result ok|error  answer DeviceControl with a Result (default: only 200 OK)
Media (INVITE is answered with PS over RTP, UDP or TCP as the offer asks):
  --codec h264|h265      video codec inside the PS (default h264)
  --video FILE           Annex-B file of that codec to loop (default: ffmpeg's test picture, encoded once)
  --frame-rate N         pictures per second of the source (default 25)
  --audio                add a G.711A sine track
  --answer-ssrc DIGITS   answer this 10-digit y= SSRC instead of the offered one
  --rtp-ssrc N           put this SSRC in RTP packets (a device that lies about its SSRC)
  --refuse-invite STATUS refuse every INVITE with this status (e.g. 486)
  --help`;

export type CliParseResult =
  | { kind: "run"; options: VirtualDeviceOptions; media: StreamingResponderOptions }
  | { kind: "help" }
  | { kind: "error"; message: string };

const CHARSETS: Readonly<Record<string, XmlCharset>> = { gb2312: "GB2312", gb18030: "GB18030", "utf-8": "UTF-8", utf8: "UTF-8" };
const CODECS: Readonly<Record<string, VideoCodec>> = { h264: "H264", h265: "H265", hevc: "H265" };

class UsageError extends Error {}

function integer(flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d{1,9}$/.test(text)) throw new UsageError(`--${flag} must be a whole number, got "${text}"`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`--${flag} must be ${min}..${max}, got ${value}`);
  return value;
}

function required(flag: string, value: string | undefined): string {
  if (value === undefined || value === "") throw new UsageError(`--${flag} is required`);
  return value;
}

function gbCode(flag: string, value: string): string {
  if (!isGbCode(value)) throw new UsageError(`--${flag} must be a 20-digit GB code, got "${value}"`);
  return value;
}

/** "host", "host:port" or "[v6]:port". */
function serverAddress(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d{1,5}))?$/.exec(text);
  const host = match?.[1] ?? match?.[2];
  if (!match || host === undefined) throw new UsageError(`--server must be HOST or HOST:PORT, got "${text}"`);
  return { host, port: integer("server port", match[3], 5060, 1, 65535) };
}

function toOptions(argv: readonly string[]): CliParseResult {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      server: { type: "string" },
      "server-id": { type: "string" },
      domain: { type: "string" },
      id: { type: "string" },
      password: { type: "string" },
      channels: { type: "string" },
      "same-id": { type: "boolean" },
      transport: { type: "string" },
      charset: { type: "string" },
      "local-host": { type: "string" },
      "local-port": { type: "string" },
      keepalive: { type: "string" },
      expires: { type: "string" },
      "catalog-page": { type: "string" },
      name: { type: "string" },
      manufacturer: { type: "string" },
      model: { type: "string" },
      firmware: { type: "string" },
      "wrong-password": { type: "boolean" },
      "time-zone": { type: "string" },
      "record-page": { type: "string" },
      presets: { type: "string" },
      "preset-page": { type: "string" },
      "control-result": { type: "string" },
      codec: { type: "string" },
      video: { type: "string" },
      "frame-rate": { type: "string" },
      audio: { type: "boolean" },
      "answer-ssrc": { type: "string" },
      "rtp-ssrc": { type: "string" },
      "refuse-invite": { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) return { kind: "help" };
  const server = serverAddress(required("server", values.server));
  const serverId = gbCode("server-id", required("server-id", values["server-id"]));
  const domain = values.domain ?? serverId.slice(0, 10);
  if (!/^\d{10}$/.test(domain)) throw new UsageError(`--domain must be 10 digits, got "${domain}"`);
  const transport = values.transport ?? "udp";
  if (transport !== "udp" && transport !== "tcp") throw new UsageError(`--transport must be udp or tcp, got "${transport}"`);
  const charset = CHARSETS[(values.charset ?? "gb2312").toLowerCase()];
  if (charset === undefined) throw new UsageError(`--charset must be gb2312, gb18030 or utf-8, got "${values.charset}"`);
  const channels = integer("channels", values.channels, 1, 1, 999);
  if (values["same-id"] && channels !== 1) throw new UsageError("--same-id needs --channels 1");
  const keepalive = integer("keepalive", values.keepalive, 60, 0, 86_400);
  const controlResult = values["control-result"]?.toUpperCase();
  if (controlResult !== undefined && controlResult !== "OK" && controlResult !== "ERROR") {
    throw new UsageError(`--control-result must be ok or error, got "${values["control-result"]}"`);
  }
  const presetCount = integer("presets", values.presets, 0, 0, 255);
  const options: VirtualDeviceOptions = {
    deviceId: gbCode("id", required("id", values.id)),
    password: required("password", values.password),
    serverHost: server.host,
    serverPort: server.port,
    serverId,
    domain,
    transport,
    charset,
    localPort: integer("local-port", values["local-port"], 0, 0, 65535),
    channels,
    sameId: values["same-id"] ?? false,
    keepaliveInterval: keepalive === 0 ? false : keepalive,
    expires: integer("expires", values.expires, 3600, 1, 86_400 * 7),
    catalogPage: integer("catalog-page", values["catalog-page"], 4, 1, 1000),
    wrongPassword: values["wrong-password"] ?? false,
    ...(values["record-page"] === undefined ? {} : { recordPage: integer("record-page", values["record-page"], 4, 1, 1000) }),
    ...(values["preset-page"] === undefined ? {} : { presetPage: integer("preset-page", values["preset-page"], 4, 1, 1000) }),
    ...(presetCount === 0 ? {} : { presets: Array.from({ length: presetCount }, (_, i) => ({ index: i + 1, name: `预置点${i + 1}` })) }),
    ...(values["time-zone"] === undefined ? {} : { timeZone: values["time-zone"] }),
    ...(controlResult === undefined ? {} : { deviceControlResult: controlResult }),
    ...(values["local-host"] === undefined ? {} : { localHost: values["local-host"] }),
    ...(values.name === undefined ? {} : { name: values.name }),
    ...(values.manufacturer === undefined ? {} : { manufacturer: values.manufacturer }),
    ...(values.model === undefined ? {} : { model: values.model }),
    ...(values.firmware === undefined ? {} : { firmware: values.firmware }),
  };
  resolveDeviceOptions(options);
  const answerSsrc = values["answer-ssrc"];
  if (answerSsrc !== undefined && !/^\d{10}$/.test(answerSsrc)) throw new UsageError(`--answer-ssrc must be 10 digits, got "${answerSsrc}"`);
  const rtpSsrc = values["rtp-ssrc"];
  if (rtpSsrc !== undefined && !(/^\d{1,10}$/.test(rtpSsrc) && Number(rtpSsrc) <= 0xffffffff)) {
    throw new UsageError(`--rtp-ssrc must be a 32-bit unsigned number, got "${rtpSsrc}"`);
  }
  const codec = CODECS[(values.codec ?? "h264").toLowerCase()];
  if (codec === undefined) throw new UsageError(`--codec must be h264 or h265, got "${values.codec}"`);
  const media: StreamingResponderOptions = {
    codec,
    frameRate: integer("frame-rate", values["frame-rate"], 25, 1, 120),
    audio: values.audio ?? false,
    ...(values.video === undefined ? {} : { video: values.video }),
    ...(answerSsrc === undefined ? {} : { answerSsrc }),
    ...(rtpSsrc === undefined ? {} : { rtpSsrc: Number(rtpSsrc) }),
    ...(values["refuse-invite"] === undefined ? {} : { refuseInvite: integer("refuse-invite", values["refuse-invite"], 486, 300, 699) }),
  };
  return { kind: "run", options, media };
}

/** Parses and validates the command line; every problem becomes one line naming the flag. */
export function parseCliArgs(argv: readonly string[]): CliParseResult {
  try {
    return toOptions(argv);
  } catch (error) {
    // parseArgs throws TypeError (unknown flag, missing value), resolveDeviceOptions RangeError.
    if (error instanceof UsageError || error instanceof TypeError || error instanceof RangeError) {
      return { kind: "error", message: error.message.split("\n")[0] ?? error.message };
    }
    throw error;
  }
}
