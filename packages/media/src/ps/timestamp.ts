/**
 * 33-bit PES timestamps (ISO 13818-1 §2.4.3.7): 3+15+15 bits, each group followed by a marker
 * bit. Split with division because JS bitwise operators truncate to 32 bits.
 */
const TWO_30 = 2 ** 30;

export function readPesTimestamp(data: Uint8Array, offset: number): number {
  const top3 = (data[offset]! >> 1) & 0x07;
  const mid15 = (data[offset + 1]! << 7) | (data[offset + 2]! >> 1);
  const low15 = (data[offset + 3]! << 7) | (data[offset + 4]! >> 1);
  return top3 * TWO_30 + mid15 * 2 ** 15 + low15;
}

/** `prefix` is the 4-bit '0010' / '0011' / '0001' code that precedes PTS or DTS. */
export function writePesTimestamp(out: Uint8Array, offset: number, prefix: number, ticks: number): void {
  const top3 = Math.floor(ticks / TWO_30) & 0x07;
  const low30 = ticks % TWO_30;
  out[offset] = (prefix << 4) | (top3 << 1) | 1;
  out[offset + 1] = (low30 >>> 22) & 0xff;
  out[offset + 2] = (((low30 >>> 15) & 0x7f) << 1) | 1;
  out[offset + 3] = (low30 >>> 7) & 0xff;
  out[offset + 4] = ((low30 & 0x7f) << 1) | 1;
}
