/** RTP fixed header, RFC 3550 §5.1. */

export interface RtpHeaderExtension {
  /** The 16-bit "defined by profile" field. */
  profile: number;
  data: Buffer;
}

export interface RtpPacket {
  padding: boolean;
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrcs: readonly number[];
  extension?: RtpHeaderExtension;
  /** Payload view with padding removed. */
  payload: Buffer;
}

export type RtpRejectReason = "too-short" | "bad-version" | "rtcp" | "truncated-header" | "bad-padding";

export type RtpParseResult = { ok: true; packet: RtpPacket } | { ok: false; reason: RtpRejectReason };

export const RTP_HEADER_LENGTH = 12;

/** Shared by every packet without CSRCs (nearly all): no array per packet. */
const NO_CSRCS: readonly number[] = Object.freeze([]);

/**
 * Payload types 72..76 collide with RTCP packet types 200..204 once the marker bit is folded in;
 * RFC 5761 §4 forbids them for RTP so muxed RTCP can be told apart.
 */
function isRtcpPayloadType(secondByte: number): boolean {
  const pt = secondByte & 0x7f;
  return pt >= 72 && pt <= 76;
}

/** Cheap classification of a datagram before a full parse. */
export function isRtp(data: Uint8Array): boolean {
  return data.length >= RTP_HEADER_LENGTH && data[0]! >> 6 === 2 && !isRtcpPayloadType(data[1]!);
}

export function parseRtp(data: Buffer): RtpParseResult {
  if (data.length < RTP_HEADER_LENGTH) return { ok: false, reason: "too-short" };
  const b0 = data[0]!;
  const b1 = data[1]!;
  if (b0 >> 6 !== 2) return { ok: false, reason: "bad-version" };
  if (isRtcpPayloadType(b1)) return { ok: false, reason: "rtcp" };
  const csrcCount = b0 & 0x0f;
  let offset = RTP_HEADER_LENGTH + csrcCount * 4;
  if (offset > data.length) return { ok: false, reason: "truncated-header" };
  let csrcs = NO_CSRCS;
  if (csrcCount > 0) csrcs = Array.from({ length: csrcCount }, (_, i) => data.readUInt32BE(RTP_HEADER_LENGTH + i * 4));
  let extension: RtpHeaderExtension | undefined;
  if (b0 & 0x10) {
    if (offset + 4 > data.length) return { ok: false, reason: "truncated-header" };
    const profile = data.readUInt16BE(offset);
    const length = data.readUInt16BE(offset + 2) * 4;
    if (offset + 4 + length > data.length) return { ok: false, reason: "truncated-header" };
    extension = { profile, data: data.subarray(offset + 4, offset + 4 + length) };
    offset += 4 + length;
  }
  let end = data.length;
  const padding = (b0 & 0x20) !== 0;
  if (padding) {
    // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
    const padLength = data[data.length - 1]!;
    if (padLength === 0 || padLength > end - offset) return { ok: false, reason: "bad-padding" };
    end -= padLength;
  }
  const packet: RtpPacket = {
    padding,
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequenceNumber: data.readUInt16BE(2),
    timestamp: data.readUInt32BE(4),
    ssrc: data.readUInt32BE(8),
    csrcs,
    payload: data.subarray(offset, end),
  };
  if (extension !== undefined) packet.extension = extension;
  return { ok: true, packet };
}

export interface RtpPacketFields {
  marker?: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrcs?: readonly number[];
  extension?: RtpHeaderExtension;
  /** Padding octets to append (0..255); the count octet is included. */
  paddingLength?: number;
  payload: Uint8Array;
}

export function buildRtp(fields: RtpPacketFields): Buffer {
  const csrcs = fields.csrcs ?? [];
  const ext = fields.extension;
  const padLength = fields.paddingLength ?? 0;
  if (csrcs.length > 15 || fields.payloadType > 127 || padLength > 255 || (ext !== undefined && ext.data.length % 4 !== 0)) {
    throw new RangeError("invalid RTP header fields");
  }
  const extLength = ext === undefined ? 0 : 4 + ext.data.length;
  const headerLength = RTP_HEADER_LENGTH + csrcs.length * 4 + extLength;
  const out = Buffer.alloc(headerLength + fields.payload.length + padLength);
  out[0] = 0x80 | (padLength > 0 ? 0x20 : 0) | (ext !== undefined ? 0x10 : 0) | csrcs.length;
  out[1] = (fields.marker ? 0x80 : 0) | fields.payloadType;
  out.writeUInt16BE(fields.sequenceNumber & 0xffff, 2);
  out.writeUInt32BE(fields.timestamp >>> 0, 4);
  out.writeUInt32BE(fields.ssrc >>> 0, 8);
  csrcs.forEach((csrc, i) => out.writeUInt32BE(csrc >>> 0, RTP_HEADER_LENGTH + i * 4));
  let offset = RTP_HEADER_LENGTH + csrcs.length * 4;
  if (ext !== undefined) {
    out.writeUInt16BE(ext.profile, offset);
    out.writeUInt16BE(ext.data.length / 4, offset + 2);
    out.set(ext.data, offset + 4);
    offset += extLength;
  }
  out.set(fields.payload, offset);
  if (padLength > 0) out[out.length - 1] = padLength;
  return out;
}
