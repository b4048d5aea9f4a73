import { deviceChannelStreamId } from "@ivc/media";
import type { PlayRecord } from "@ivc/bus";
import { ApiUnreachable, REQUEST_TIMEOUT_MS } from "./api-client.js";
import type { ApiTarget } from "./api-client.js";
import type { ParsedArgs } from "./args.js";
import { dataOf, printed, Refusal, UsageError } from "./http-command.js";
import type { HttpCommandResult } from "./http-command.js";

// The daily jobs as short commands. Each is a few calls of the public API (signed, like any client);
// none opens the database.

export const DAILY_USAGE = `  device list                                      devices with their status, and their channels
  device add-gb --name NAME [--type ipc|nvr] [--password P] [--transport udp|tcp]
                [--organization ID] [--cluster ID] [--description TEXT]
                                                   add a GB28181 device; prints what to enter on the camera
  device add-rtmp --name NAME [--organization ID] [--cluster ID] [--description TEXT]
                                                   add an RTMP device; prints its push URL
  device live DEVICE_ID                            live URLs of an RTMP device
  channel live CHANNEL_ID [--stream-type 1|2]      live URLs of a GB or gateway channel (1 main, 2 sub stream)
  channel plays DEVICE_CODE CHANNEL_CODE           the channel's last plays and their stages, from the media relay (on its machine)`;

/** Groups handled here; everything under them talks HTTP only. */
export const DAILY_GROUPS: readonly string[] = ["device", "channel"];

interface DeviceItem {
  Id: string;
  Code: string;
  Name: string;
  AccessProtocol: number;
  Type: number;
  Status: number;
}

interface DeviceDescription extends DeviceItem {
  TransportProtocol: number;
  Password: string;
  SipId: string;
  SipDomain: string;
  SipIp: string;
  SipPort: number;
  PushStreamUrl: string;
}

interface ChannelItem {
  ChannelId: string;
  ChannelCode: string;
  Name: string;
  State: number;
}

const DEVICE_STATUS = ["unregistered", "online", "offline", "disabled"];
const ACCESS = ["", "RTMP", "GB", "gateway"];
const TYPES = ["", "IPC", "NVR"];
const PAGE_SIZE = 1000;
const CHANNEL_CODE = /^[A-Za-z0-9_-]{1,64}$/;

const named = (names: readonly string[], value: number) => names[value] || String(value);

async function listDevices(target: ApiTarget): Promise<string[]> {
  const devices: DeviceItem[] = [];
  for (let page = 1; ; page++) {
    const query = new URLSearchParams({ OrganizationId: "0", IsContainSubLevel: "true", PageNumber: String(page), PageSize: String(PAGE_SIZE) });
    const got = await dataOf<{ TotalCount: number; List: DeviceItem[] }>(target, "GET", `/ivc/urm/resource/getUserResources?${query}`);
    devices.push(...got.List);
    if (got.List.length === 0 || devices.length >= got.TotalCount) break;
  }
  const lines = ["DEVICE ID\tCODE\tACCESS\tTYPE\tSTATUS\tNAME"];
  for (const d of devices) {
    lines.push([d.Id, d.Code, named(ACCESS, d.AccessProtocol), named(TYPES, d.Type), named(DEVICE_STATUS, d.Status), d.Name].join("\t"));
    // RTMP devices are their own stream; they have no channels.
    if (d.AccessProtocol === 1) continue;
    const channels = await dataOf<ChannelItem[]>(target, "GET", `/ivc/cms/device/channel?DeviceId=${d.Id}`);
    for (const c of channels) lines.push(["  channel", c.ChannelId, c.ChannelCode, c.State === 1 ? "online" : "offline", c.Name].join("\t"));
  }
  if (devices.length === 0) lines.push("(no devices: add one with `ivc device add-gb --name NAME`)");
  return lines;
}

/** `--cluster`, else the only service node (getuserregion); with several the person must choose. */
async function clusterId(target: ApiTarget, args: ParsedArgs): Promise<string> {
  const given = args.flags.get("cluster");
  if (given) return given;
  const regions = await dataOf<Array<{ Label: string; Value: string }>>(target, "GET", "/ivc/cms/config/getuserregion");
  const [only, ...others] = regions;
  if (!only) throw new UsageError("the API knows no service node yet (is the sip-server running?)");
  if (others.length > 0) throw new UsageError(`several service nodes; choose one with --cluster: ${regions.map((r) => `${r.Value} (${r.Label})`).join(", ")}`);
  return only.Value;
}

function choice(args: ParsedArgs, flag: string, values: Record<string, number>, fallback: string): number {
  const word = (args.flags.get(flag) ?? fallback).toLowerCase();
  const value = values[word];
  if (value === undefined) throw new UsageError(`--${flag} must be one of ${Object.keys(values).join(", ")}`);
  return value;
}

async function addDevice(target: ApiTarget, args: ParsedArgs, gb: boolean): Promise<DeviceDescription> {
  const name = args.flags.get("name");
  if (!name) throw new UsageError(`device ${args.action} needs --name NAME`);
  const body: Record<string, unknown> = {
    Name: name,
    AccessProtocol: gb ? 2 : 1,
    Type: gb ? choice(args, "type", { ipc: 1, nvr: 2 }, "ipc") : 1,
    OrganizationId: args.flags.get("organization") ?? "0",
    ClusterId: await clusterId(target, args),
  };
  if (gb) body.TransportProtocol = choice(args, "transport", { udp: 1, tcp: 2 }, "udp");
  for (const [flag, field] of [["password", "Password"], ["description", "Description"]] as const) {
    const value = args.flags.get(flag);
    if (value !== undefined) body[field] = value;
  }
  const added = await dataOf<{ Id: string }>(target, "POST", "/ivc/cms/device/add", body);
  // describe carries what add does not: the node's SIP settings and the push URL.
  return dataOf<DeviceDescription>(target, "GET", `/ivc/cms/device/describe?Id=${added.Id}`);
}

function gbSettings(d: DeviceDescription): string[] {
  return [
    `added GB28181 device ${d.Name}: Id ${d.Id}`,
    "enter on the camera (GB28181 / 国标接入):",
    `  SIP server ID     ${d.SipId}`,
    `  SIP domain        ${d.SipDomain}`,
    `  SIP server IP     ${d.SipIp}`,
    `  SIP server port   ${d.SipPort}`,
    `  device ID         ${d.Code}`,
    `  password          ${d.Password}`,
    `  transport         ${d.TransportProtocol === 2 ? "TCP" : "UDP"}`,
    "no camera at hand? the virtual device, with the same values:",
    `  npx gb-device-sim --server ${d.SipIp}:${d.SipPort} --server-id ${d.SipId} --domain ${d.SipDomain} --id ${d.Code} --password ${d.Password}${d.TransportProtocol === 2 ? " --transport tcp" : ""}${d.Type === 2 ? " --channels 4" : ""}`,
    "then `ivc device list` shows it online once it registers",
  ];
}

function rtmpSettings(d: DeviceDescription): string[] {
  const url = new URL(d.PushStreamUrl);
  const slash = url.pathname.lastIndexOf("/");
  return [
    `added RTMP device ${d.Name}: Id ${d.Id}`,
    `  push URL          ${d.PushStreamUrl}`,
    // OBS and most encoders ask for the two halves separately.
    `  server            ${url.protocol}//${url.host}${url.pathname.slice(0, slash)}`,
    `  stream key        ${url.pathname.slice(slash + 1)}${url.search}`,
  ];
}

async function liveUrls(target: ApiTarget, body: Record<string, unknown>): Promise<string[]> {
  const urls = await dataOf<{ Flv: string; Hls: string }>(target, "POST", "/ivc/cms/control/stream", body);
  // The relay answers a WebSocket upgrade on the HTTP-FLV path (README "Media URLs").
  const ws = urls.Flv.replace(/^http/, "ws");
  return [`HTTP-FLV  ${urls.Flv}`, `WS-FLV    ${ws}`, `HLS       ${urls.Hls}`];
}

export function mediaBaseUrl(env: NodeJS.ProcessEnv): string {
  return env.MEDIA_URL || `http://127.0.0.1:${env.MEDIA_HTTP_PORT || "8088"}`;
}

function playLines(play: PlayRecord): string[] {
  const first = play.stages[0]?.at ?? 0;
  const ssrc = play.ssrc ? ` ssrc ${play.ssrc}` : "";
  const head = `play ${play.streamId} (${play.kind} over ${play.transport}${ssrc}) began ${new Date(first).toISOString()}: ${play.outcome ?? "running"}`;
  return [head, ...play.stages.map((s) => `  +${String(s.at - first).padStart(6)} ms  ${s.stage}${s.detail !== undefined ? `  ${s.detail}` : ""}`)];
}

/**
 * The relay's diagnostics timeline (`GET /api/plays/<device code>_<channel code>`, the relay's stream
 * id); not part of the public API, so read as it is. The relay answers it on loopback only unless
 * MEDIA_OPS_PUBLIC is set.
 */
async function plays(mediaUrl: string, deviceCode: string | undefined, channelCode: string | undefined): Promise<string[]> {
  if (!deviceCode || !channelCode || !CHANNEL_CODE.test(deviceCode) || !CHANNEL_CODE.test(channelCode)) {
    throw new UsageError("channel plays needs the device's code and the channel's code (CODE columns of `ivc device list`)");
  }
  const code = deviceChannelStreamId(deviceCode, channelCode);
  const url = new URL(`/api/plays/${code}`, mediaUrl);
  const res = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }).catch((err: unknown) => {
    throw new ApiUnreachable(`cannot reach the media relay at ${mediaUrl} (${String((err as { cause?: unknown }).cause ?? err)}): start the gateway, or set MEDIA_URL / MEDIA_HTTP_PORT`);
  });
  const text = await res.text();
  if (res.status === 403 || res.status === 401) throw new Refusal(`the media relay refused to show the plays of ${code} (HTTP ${res.status}): ${text.slice(0, 200)}`);
  if (res.status === 404) throw new Refusal(`the media relay has no plays for ${code} at ${url.href} (HTTP 404): ${text.slice(0, 200)}`);
  if (!res.ok) throw new ApiUnreachable(`the media relay answered HTTP ${res.status} for ${url.href}: ${text.slice(0, 200)}`);
  const list = (JSON.parse(text) as { plays?: PlayRecord[] }).plays ?? [];
  if (list.length === 0) return [`no plays of ${code} since the media relay started`];
  return [`last ${list.length} plays of ${code}, newest first:`, ...list.flatMap(playLines)];
}

/** `ivc device …` / `ivc channel …`. */
export async function runDailyCommand(target: ApiTarget, mediaUrl: string, args: ParsedArgs): Promise<HttpCommandResult> {
  const [first, second] = args.positional;
  switch (`${args.group} ${args.action}`) {
    case "device list":
      return printed(await listDevices(target));
    case "device add-gb":
      return printed(gbSettings(await addDevice(target, args, true)));
    case "device add-rtmp":
      return printed(rtmpSettings(await addDevice(target, args, false)));
    case "device live":
      if (!first) throw new UsageError("device live needs a DEVICE_ID (RTMP devices; GB devices play a channel)");
      return printed(await liveUrls(target, { DeviceId: first }));
    case "channel live": {
      if (!first) throw new UsageError("channel live needs a CHANNEL_ID (see `ivc device list`)");
      const streamType = args.flags.get("stream-type");
      if (streamType !== undefined && streamType !== "1" && streamType !== "2") throw new UsageError("--stream-type must be 1 (main) or 2 (sub)");
      return printed(await liveUrls(target, { ChannelId: first, ...(streamType ? { StreamType: Number(streamType) } : {}) }));
    }
    case "channel plays":
      return printed(await plays(mediaUrl, first, second));
    default:
      throw new UsageError(`unknown command ${args.group} ${args.action}\n${DAILY_USAGE}`);
  }
}
