import type { SetupRole } from "./gb-sdp-types.js";

/**
 * Reads GB/T 28181 SDP (RFC 4566 plus the GB-only y= SSRC and f= media format
 * lines, 2016 Appendix F). Line-based and lenient: unknown lines are ignored,
 * LF-only line endings are accepted.
 */

export interface RtpMapEntry {
  readonly encoding: string;
  readonly clockRate: number;
}

/** f= media description: v/codec/resolution/framerate/bitrate-type/bitrate a/codec/bitrate/samplerate. */
export interface GbMediaFormat {
  readonly video?: {
    readonly codec?: string;
    readonly resolution?: string;
    readonly frameRate?: string;
    readonly bitrateType?: string;
    readonly bitrate?: string;
  };
  readonly audio?: {
    readonly codec?: string;
    readonly bitrate?: string;
    readonly sampleRate?: string;
  };
}

export interface GbSdpMedia {
  readonly type: string;
  readonly port: number;
  readonly protocol: string;
  readonly transport: "udp" | "tcp";
  readonly payloads: readonly number[];
  readonly rtpmap: Readonly<Record<number, RtpMapEntry>>;
  /** Media-level c= address, falling back to the session-level one. */
  readonly ip?: string;
  readonly setup?: SetupRole;
  readonly connection?: string;
  readonly direction?: "sendrecv" | "sendonly" | "recvonly" | "inactive";
  /** Every a= line of this media, name → value ("" for flags); the last occurrence wins. */
  readonly attributes: Readonly<Record<string, string>>;
}

export interface GbSdp {
  readonly ok: true;
  readonly sessionName?: string;
  readonly origin?: { readonly username: string; readonly ip: string };
  /** u= "<channelId>:<type>" for playback/download. */
  readonly uri?: string;
  readonly startTime?: number;
  readonly endTime?: number;
  /** The video media if present, else the first one: the stream GB sessions are about. */
  readonly media: GbSdpMedia;
  readonly allMedia: readonly GbSdpMedia[];
  readonly ssrc?: string;
  readonly format?: GbMediaFormat;
  readonly downloadSpeed?: number;
  readonly fileSize?: number;
  readonly streamNumber?: number;
}

export type GbSdpParseResult = GbSdp | { readonly ok: false; readonly reason: string };

const MAX_SDP_CHARS = 16 * 1024;

interface MediaBuilder {
  type: string;
  port: number;
  protocol: string;
  payloads: number[];
  ip?: string;
  rtpmap: Record<number, RtpMapEntry>;
  attributes: Record<string, string>;
}

function optionalFields(parts: readonly (string | undefined)[], names: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  names.forEach((name, i) => {
    const value = parts[i]?.trim();
    if (value !== undefined && value !== "") fields[name] = value;
  });
  return fields;
}

/** Parse the f= value, e.g. "v/2/5/25/1/4096a/1/8/1" or "v/////a///"; undefined when empty. */
export function parseGbMediaFormat(value: string): GbMediaFormat | undefined {
  const text = value.trim();
  if (text === "") return undefined;
  const audioAt = text.search(/a\//i);
  const videoText = audioAt < 0 ? text : text.slice(0, audioAt);
  const audioText = audioAt < 0 ? "" : text.slice(audioAt);
  const format: { video?: GbMediaFormat["video"]; audio?: GbMediaFormat["audio"] } = {};
  if (/^v\//i.test(videoText)) {
    const video = optionalFields(videoText.slice(2).split("/"), ["codec", "resolution", "frameRate", "bitrateType", "bitrate"]);
    if (Object.keys(video).length > 0) format.video = video;
  }
  if (audioText !== "") {
    const audio = optionalFields(audioText.slice(2).split("/"), ["codec", "bitrate", "sampleRate"]);
    if (Object.keys(audio).length > 0) format.audio = audio;
  }
  return format;
}

function connectionIp(value: string): string | undefined {
  const parts = value.trim().split(/\s+/);
  return parts[2]?.split("/")[0];
}

function numberOrUndefined(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+(\.\d+)?$/.test(value.trim())) return undefined;
  return Number(value);
}

/** Session-level a= lines are defaults for every media (RFC 4566 §5.13). */
function finishMedia(media: MediaBuilder, sessionIp: string | undefined, sessionAttributes: Record<string, string>): GbSdpMedia {
  const attributes = { ...sessionAttributes, ...media.attributes };
  const setup = attributes["setup"]?.toLowerCase();
  const directions = ["sendrecv", "sendonly", "recvonly", "inactive"] as const;
  const direction = directions.find((candidate) => candidate in attributes);
  const ip = media.ip ?? sessionIp;
  const connection = attributes["connection"];
  return {
    type: media.type,
    port: media.port,
    protocol: media.protocol,
    transport: /tcp/i.test(media.protocol) ? "tcp" : "udp",
    payloads: media.payloads,
    rtpmap: media.rtpmap,
    attributes,
    ...(ip === undefined ? {} : { ip }),
    ...(setup === "active" || setup === "passive" || setup === "actpass" ? { setup } : {}),
    ...(connection === undefined ? {} : { connection }),
    ...(direction === undefined ? {} : { direction }),
  };
}

export function parseGbSdp(text: string): GbSdpParseResult {
  if (text.length > MAX_SDP_CHARS) return { ok: false, reason: `SDP longer than ${MAX_SDP_CHARS} characters` };
  const session: {
    sessionName?: string;
    origin?: { username: string; ip: string };
    uri?: string;
    startTime?: number;
    endTime?: number;
    ssrc?: string;
    format?: GbMediaFormat;
    ip?: string;
  } = {};
  const media: MediaBuilder[] = [];
  const sessionAttributes: Record<string, string> = {};

  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line.length < 2 || line[1] !== "=") continue;
    const value = line.slice(2);
    const current = media[media.length - 1];
    switch (line[0]) {
      case "s":
        session.sessionName = value.trim();
        break;
      case "o": {
        const parts = value.trim().split(/\s+/);
        if (parts.length >= 6) session.origin = { username: parts[0] ?? "", ip: parts[5] ?? "" };
        break;
      }
      case "u":
        session.uri = value.trim();
        break;
      case "t": {
        const [start, end] = value.trim().split(/\s+/).map(numberOrUndefined);
        if (start !== undefined) session.startTime = start;
        if (end !== undefined) session.endTime = end;
        break;
      }
      case "c": {
        const ip = connectionIp(value);
        if (current === undefined) session.ip = ip;
        else current.ip = ip;
        break;
      }
      case "m": {
        const [type, port, protocol, ...formats] = value.trim().split(/\s+/);
        const portNumber = Number(port?.split("/")[0]);
        if (type === undefined || protocol === undefined || !Number.isInteger(portNumber) || portNumber < 0 || portNumber > 65535) {
          return { ok: false, reason: `malformed m= line: ${line}` };
        }
        media.push({
          type,
          port: portNumber,
          protocol,
          payloads: formats.map(Number).filter((pt) => Number.isInteger(pt)),
          rtpmap: {},
          attributes: {},
        });
        break;
      }
      case "a": {
        const colon = value.indexOf(":");
        const name = (colon < 0 ? value : value.slice(0, colon)).trim().toLowerCase();
        const attributeValue = colon < 0 ? "" : value.slice(colon + 1).trim();
        if (current === undefined) {
          sessionAttributes[name] = attributeValue;
          break;
        }
        current.attributes[name] = attributeValue;
        if (name === "rtpmap") {
          const match = /^(\d+)\s+([^/\s]+)\/(\d+)/.exec(attributeValue);
          if (match?.[1] !== undefined && match[2] !== undefined) current.rtpmap[Number(match[1])] = { encoding: match[2], clockRate: Number(match[3]) };
        }
        break;
      }
      case "y":
        session.ssrc = value.trim();
        break;
      case "f": {
        const format = parseGbMediaFormat(value);
        if (format !== undefined) session.format = format;
        break;
      }
    }
  }

  const first = media.find((entry) => entry.type.toLowerCase() === "video") ?? media[0];
  if (first === undefined) return { ok: false, reason: "no m= line" };
  const chosen = finishMedia(first, session.ip, sessionAttributes);
  const downloadSpeed = numberOrUndefined(chosen.attributes["downloadspeed"]);
  const fileSize = numberOrUndefined(chosen.attributes["filesize"]);
  const streamNumber = numberOrUndefined(chosen.attributes["streamnumber"]);
  const { ip: _sessionIp, ...sessionFields } = session;
  return {
    ok: true,
    ...sessionFields,
    media: chosen,
    allMedia: media.map((entry) => (entry === first ? chosen : finishMedia(entry, session.ip, sessionAttributes))),
    ...(downloadSpeed === undefined ? {} : { downloadSpeed }),
    ...(fileSize === undefined ? {} : { fileSize }),
    ...(streamNumber === undefined ? {} : { streamNumber }),
  };
}
