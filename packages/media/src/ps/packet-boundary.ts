import { isVideoStreamId } from "./stream-types.js";

/**
 * Where the program stream packet at `offset` ends, from its header alone
 * (ISO 13818-1 §2.5.3): pack header 0xBA (MPEG-2: 14 bytes + stuffing, MPEG-1: 12 bytes),
 * end code 0xB9 (4 bytes), and every other start code ≥ 0xBB carries a 16-bit length.
 * "unbounded" is a video PES with PES_packet_length 0: it runs up to the next start code.
 */
export type PsPacketMeasure = { kind: "packet"; length: number } | { kind: "unbounded" } | { kind: "need-more" } | { kind: "invalid" };

const NEED_MORE: PsPacketMeasure = { kind: "need-more" };
const INVALID: PsPacketMeasure = { kind: "invalid" };
const UNBOUNDED: PsPacketMeasure = { kind: "unbounded" };

export const PackStartCode = 0xba;
export const ProgramEndCode = 0xb9;
export const SystemHeaderCode = 0xbb;

export function measurePsPacket(data: Uint8Array, offset: number): PsPacketMeasure {
  const available = data.length - offset;
  if (available < 4) return NEED_MORE;
  if (data[offset] !== 0 || data[offset + 1] !== 0 || data[offset + 2] !== 1) return INVALID;
  const code = data[offset + 3]!;
  if (code === ProgramEndCode) return { kind: "packet", length: 4 };
  if (code === PackStartCode) {
    if (available < 5) return NEED_MORE;
    const marker = data[offset + 4]! >> 4;
    if (marker >> 2 === 0b01) {
      if (available < 14) return NEED_MORE;
      return { kind: "packet", length: 14 + (data[offset + 13]! & 0x07) };
    }
    return marker === 0b0010 ? { kind: "packet", length: 12 } : INVALID;
  }
  if (code < SystemHeaderCode) return INVALID;
  if (available < 6) return NEED_MORE;
  const length = (data[offset + 4]! << 8) | data[offset + 5]!;
  if (length > 0) return { kind: "packet", length: 6 + length };
  // §2.4.3.7 allows length 0 only for video in transport streams, but camera firmwares use it in
  // PS too (media-server's MPEG_ZERO_PAYLOAD_LENGTH, Hikvision/EZVIZ clips).
  return isVideoStreamId(code) ? UNBOUNDED : INVALID;
}

/** Bytes opening with a pack header (00 00 01 BA): where a GB28181 PS frame, and so a stream, can start. */
export function startsWithPackHeader(data: Uint8Array): boolean {
  return data.length >= 4 && data[0] === 0 && data[1] === 0 && data[2] === 1 && data[3] === PackStartCode;
}

/** 00 00 01, the prefix of every start code. */
export const START_CODE_PREFIX = Buffer.from([0, 0, 1]);

/**
 * Index of the next PS start code (00 00 01 followed by a code ≥ 0xB9) at or after `from`, or -1.
 * Inside H.264/H.265 data 00 00 01 is always followed by a NAL header, whose forbidden_zero_bit
 * keeps it below 0x80, so this finds where an unbounded video PES ends.
 */
export function findPsStartCode(data: Buffer, from: number): number {
  for (let i = data.indexOf(START_CODE_PREFIX, from); i >= 0 && i + 3 < data.length; i = data.indexOf(START_CODE_PREFIX, i + 1)) {
    if (data[i + 3]! >= ProgramEndCode) return i;
  }
  return -1;
}

/** How many bytes at the end of `data` (at most 3, not before `from`) could begin a start code split across inputs. */
export function startCodePrefixTail(data: Uint8Array, from: number): number {
  const n = data.length;
  if (n - from >= 3 && data[n - 3] === 0 && data[n - 2] === 0 && data[n - 1] === 1) return 3;
  if (n - from >= 2 && data[n - 2] === 0 && data[n - 1] === 0) return 2;
  return n - from >= 1 && data[n - 1] === 0 ? 1 : 0;
}
