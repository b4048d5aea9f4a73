/**
 * Where the program stream packet at `offset` ends, from its header alone
 * (ISO 13818-1 §2.5.3): pack header 0xBA (MPEG-2: 14 bytes + stuffing, MPEG-1: 12 bytes),
 * end code 0xB9 (4 bytes), and every other start code ≥ 0xBB carries a 16-bit length.
 */
export type PsPacketMeasure = { kind: "packet"; length: number } | { kind: "need-more" } | { kind: "invalid" };

const NEED_MORE: PsPacketMeasure = { kind: "need-more" };
const INVALID: PsPacketMeasure = { kind: "invalid" };

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
  // PES_packet_length 0 ("unbounded") is only allowed for video in transport streams (§2.4.3.7).
  return length === 0 ? INVALID : { kind: "packet", length: 6 + length };
}

/** Bytes opening with a pack header (00 00 01 BA): where a GB28181 PS frame, and so a stream, can start. */
export function startsWithPackHeader(data: Uint8Array): boolean {
  return data.length >= 4 && data[0] === 0 && data[1] === 0 && data[2] === 1 && data[3] === PackStartCode;
}
