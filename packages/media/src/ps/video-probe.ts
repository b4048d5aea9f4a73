import type { VideoCodec } from "../frame.js";

/** NAL unit types that can open an access unit, as a lookup table indexed by type. */
function typeTable(types: readonly number[], size: number): Uint8Array {
  const table = new Uint8Array(size);
  for (const type of types) table[type] = 1;
  return table;
}

/** H.265: TRAIL_N/R, BLA/IDR/CRA (16..21), VPS/SPS/PPS/AUD (32..35), prefix SEI (39). */
const H265_OPENERS = typeTable([0, 1, 16, 17, 18, 19, 20, 21, 32, 33, 34, 35, 39], 64);
/** H.264: non-IDR slice, IDR, SEI, SPS, PPS, AUD. */
const H264_OPENERS = typeTable([1, 5, 6, 7, 8, 9], 32);

/**
 * The codec of a video PES payload that starts with an Annex-B start code, from its first NAL
 * header; undefined when the payload starts mid-NAL or the header fits neither codec.
 *
 * Used both when no PSM has mapped the stream yet (PSM only with keyframes, or never) and to
 * overrule a PSM that declares the wrong codec (some cameras declare 0x1B for H.265). H.265 is
 * tested first: its two-byte header (forbidden bit 0, layer id 0, temporal id plus one = 1) read
 * as H.264 gives types no camera sends first (2 partition A, 0 unspecified, SEI with
 * nal_ref_idc ≠ 0), whereas every common H.264 opener has an odd first byte (0x09, 0x67, 0x65,
 * 0x41, ...) or is followed by a byte other than 0x01 (SEI 0x06 0x05), which H.265 rules out.
 */
export function probeVideoCodec(payload: Uint8Array): VideoCodec | undefined {
  let i = 0;
  while (i < 3 && payload[i] === 0) i++;
  if (i < 2 || payload[i] !== 1 || payload.length < i + 3) return undefined;
  const b0 = payload[i + 1]!;
  const b1 = payload[i + 2]!;
  if ((b0 & 0x81) === 0 && b1 === 1 && H265_OPENERS[b0 >> 1] === 1) return "H265";
  if ((b0 & 0x80) === 0 && H264_OPENERS[b0 & 0x1f] === 1) return "H264";
  return undefined;
}
