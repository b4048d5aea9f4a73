import { buildInviteSdp, parseGbSdp } from "@ivc/gb28181";

/** GB/T 28181-2016 §9.2.2 (s=Play), §9.8 (Playback), §9.9 (Download). */
const SESSION_NAMES = { live: "Play", playback: "Playback", download: "Download" } as const;

export type InviteKind = keyof typeof SESSION_NAMES;

export interface InviteOfferInput {
  channelId: string;
  mediaIp: string;
  mediaPort: number;
  /** 10-digit y= the relay leased. */
  ssrc: string;
  transport: "udp" | "tcp-passive" | "tcp-active";
  kind: InviteKind;
  /** Epoch ms (playback, download). */
  start?: number | undefined;
  end?: number | undefined;
  /** 0 main, 1 sub (GB/T 28181-2022 a=streamnumber); absent: no line, the device's default (main). */
  streamNumber?: number | undefined;
  /** Downloads: a=downloadspeed (§9.9); absent: no line, the device's default (1×). */
  speed?: number | undefined;
}

/**
 * The SDP offer for a relay's sip.invite. The relay's transport names its own role: tcp-passive
 * = it listens (a=setup:passive), tcp-active = it connects (a=setup:active). Playback times are
 * epoch ms on the bus and epoch seconds in SDP t=. Undefined when a historical kind lacks times.
 */
export function inviteOffer(input: InviteOfferInput): string | undefined {
  const historical = input.kind !== "live";
  if (historical && (input.start === undefined || input.end === undefined)) return undefined;
  const { streamNumber } = input;
  const sdp = buildInviteSdp({
    kind: SESSION_NAMES[input.kind],
    channelId: input.channelId,
    mediaIp: input.mediaIp,
    mediaPort: input.mediaPort,
    transport: input.transport,
    ssrc: input.ssrc,
    ...(historical ? { start: Math.floor((input.start ?? 0) / 1000), end: Math.floor((input.end ?? 0) / 1000) } : {}),
    ...(streamNumber === undefined ? {} : { streamNumber }),
    ...(input.kind === "download" && input.speed !== undefined ? { downloadSpeed: input.speed } : {}),
  });
  if (streamNumber === undefined) return sdp;
  // Hikvision and Dahua firmwares older than GB/T 28181-2022 pick the encoding by their own
  // a=streamprofile (same numbering) and ignore a=streamnumber; unknown attributes are ignored (RFC 4566 §5.13).
  const line = `a=streamnumber:${streamNumber}\r\n`;
  return sdp.replace(line, `${line}a=streamprofile:${streamNumber}\r\n`);
}

/**
 * GB/T 28181-2016 §9.2.2 / Annex F: Subject `<media sender id>:<sender stream seq>,<receiver id>:<receiver seq>`,
 * the sender being the channel and the sequence its SSRC; devices log it, some refuse without it.
 */
export function inviteSubject(channelId: string, ssrc: string, serverId: string): string {
  return `${channelId}:${ssrc},${serverId}:0`;
}

/** What the relay needs from the device's 200 OK SDP. */
export interface DeviceAnswer {
  deviceSsrc?: string;
  deviceIp?: string;
  devicePort?: number;
  setup?: string;
}

export type DeviceAnswerResult = { ok: true; answer: DeviceAnswer } | { ok: false; reason: string };

/**
 * Reads the answer. Devices often put their own y= (accepted by the relay); a y= that is not 10
 * digits is left out rather than failing the call, since the relay then locks onto the first SSRC.
 */
export function readDeviceAnswer(body: Buffer): DeviceAnswerResult {
  if (body.length === 0) return { ok: false, reason: "200 OK without SDP" };
  const sdp = parseGbSdp(body.toString("utf8"));
  if (!sdp.ok) return { ok: false, reason: `unreadable SDP answer: ${sdp.reason}` };
  const answer: DeviceAnswer = {};
  if (sdp.ssrc !== undefined && /^\d{10}$/.test(sdp.ssrc)) answer.deviceSsrc = sdp.ssrc;
  if (sdp.media.ip !== undefined) answer.deviceIp = sdp.media.ip;
  if (sdp.media.port >= 1 && sdp.media.port <= 65535) answer.devicePort = sdp.media.port;
  if (sdp.media.setup !== undefined) answer.setup = sdp.media.setup;
  return { ok: true, answer };
}
