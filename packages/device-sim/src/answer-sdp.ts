import type { SetupRole } from "@ivc/gb28181";

export interface AnswerSdpInput {
  /** The channel answering (o= username). */
  readonly channelId: string;
  /** Session name echoed from the offer: Play, Playback or Download. */
  readonly sessionName: string;
  /** Where the device sends from (UDP, TCP active) or listens (TCP passive). */
  readonly ip: string;
  readonly port: number;
  readonly tcp: boolean;
  /** The device's role for TCP (RFC 4145): the opposite of the offer's. */
  readonly setup?: SetupRole;
  /** 10-digit y= value: what the device will put in its RTP SSRC field. */
  readonly ssrc: string;
}

/**
 * The device's SDP answer to a GB28181 INVITE (GB/T 28181-2016 §9.2.2, Annex F): one PS video
 * stream, sendonly, its own address and SSRC, and for TCP its setup role (RFC 4145/4571).
 */
export function buildAnswerSdp(input: AnswerSdpInput): string {
  const ip = `IN IP4 ${input.ip}`;
  const lines = [
    "v=0",
    `o=${input.channelId} 0 0 ${ip}`,
    `s=${input.sessionName}`,
    `c=${ip}`,
    "t=0 0",
    `m=video ${input.port} ${input.tcp ? "TCP/RTP/AVP" : "RTP/AVP"} 96`,
    "a=sendonly",
    "a=rtpmap:96 PS/90000",
    input.tcp && input.setup ? `a=setup:${input.setup}` : undefined,
    input.tcp ? "a=connection:new" : undefined,
    `y=${input.ssrc}`,
    "f=",
  ];
  return `${lines.filter((line) => line !== undefined).join("\r\n")}\r\n`;
}
