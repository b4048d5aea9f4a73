import type { GbTransport } from "./gb-sdp-types.js";

export interface InviteSdpInput {
  readonly kind: "Play" | "Playback" | "Download";
  readonly channelId: string;
  readonly mediaIp: string;
  readonly mediaPort: number;
  readonly transport: GbTransport;
  /** 10-digit y= value, see generateSsrc. */
  readonly ssrc: string;
  /** Epoch seconds; required for Playback and Download. */
  readonly start?: number;
  readonly end?: number;
  /** Download speed multiplier (a=downloadspeed, §9.9). */
  readonly downloadSpeed?: number;
  /** GB/T 28181-2022 a=streamnumber: 0 main stream, 1 sub stream. */
  readonly streamNumber?: number;
}

function addressType(ip: string): "IP4" | "IP6" {
  return ip.includes(":") ? "IP6" : "IP4";
}

/**
 * SDP offer for a platform-initiated INVITE (GB/T 28181-2016 §9.2.2, §9.8, §9.9).
 * Payload 96 PS is the one devices must support; 97/98 are offered for the few that
 * answer elementary streams. Throws on invalid input (programmer error).
 */
export function buildInviteSdp(input: InviteSdpInput): string {
  if (!/^\d{1,10}$/.test(input.ssrc)) throw new RangeError(`ssrc must be decimal digits: ${input.ssrc}`);
  if (!Number.isInteger(input.mediaPort) || input.mediaPort < 0 || input.mediaPort > 65535) {
    throw new RangeError(`invalid media port: ${input.mediaPort}`);
  }
  const historical = input.kind !== "Play";
  if (historical && (input.start === undefined || input.end === undefined)) throw new RangeError(`${input.kind} needs start and end`);
  const ip = `IN ${addressType(input.mediaIp)} ${input.mediaIp}`;
  const tcp = input.transport !== "udp";
  const lines = [
    "v=0",
    `o=${input.channelId} 0 0 ${ip}`,
    `s=${input.kind}`,
    historical ? `u=${input.channelId}:0` : undefined,
    `c=${ip}`,
    historical ? `t=${input.start} ${input.end}` : "t=0 0",
    `m=video ${input.mediaPort} ${tcp ? "TCP/RTP/AVP" : "RTP/AVP"} 96 97 98`,
    "a=recvonly",
    "a=rtpmap:96 PS/90000",
    "a=rtpmap:98 H264/90000",
    "a=rtpmap:97 MPEG4/90000",
    tcp ? `a=setup:${input.transport === "tcp-passive" ? "passive" : "active"}` : undefined,
    tcp ? "a=connection:new" : undefined,
    input.kind === "Download" && input.downloadSpeed !== undefined ? `a=downloadspeed:${input.downloadSpeed}` : undefined,
    input.streamNumber === undefined ? undefined : `a=streamnumber:${input.streamNumber}`,
    `y=${input.ssrc}`,
    "f=",
  ];
  return `${lines.filter((line) => line !== undefined).join("\r\n")}\r\n`;
}
