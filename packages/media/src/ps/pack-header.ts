/** MPEG-2 pack header builder, ISO 13818-1 §2.5.3.3. */

const TWO_30 = 2 ** 30;

/** mux_rate in units of 50 bytes/s; informative for our receivers. */
export const DEFAULT_MUX_RATE = 0x3fffff;

export function buildPackHeader(scr: number, muxRate = DEFAULT_MUX_RATE): Buffer {
  const top3 = Math.floor(scr / TWO_30) & 0x07;
  const low30 = scr % TWO_30;
  const out = Buffer.allocUnsafe(14);
  out.writeUInt32BE(0x000001ba, 0);
  out[4] = 0x44 | (top3 << 3) | ((low30 >>> 28) & 0x03);
  out[5] = (low30 >>> 20) & 0xff;
  out[6] = (((low30 >>> 15) & 0x1f) << 3) | 0x04 | ((low30 >>> 13) & 0x03);
  out[7] = (low30 >>> 5) & 0xff;
  out[8] = ((low30 & 0x1f) << 3) | 0x04; // SCR_extension high bits 0
  out[9] = 0x01; // SCR_extension low bits 0 + marker
  out.writeUIntBE(((muxRate & 0x3fffff) << 2) | 0x03, 10, 3);
  out[13] = 0xf8; // reserved, pack_stuffing_length 0
  return out;
}
