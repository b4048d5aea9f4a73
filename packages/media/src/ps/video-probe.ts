import type { VideoCodec } from "../frame.js";

/**
 * Guesses the codec of a video PES payload when no PSM has mapped its stream id yet (some
 * cameras send the PSM only with keyframes). Only answers for a payload that starts with an
 * Annex-B start code followed by a recognisable first NAL header.
 */
export function probeVideoCodec(payload: Uint8Array): VideoCodec | undefined {
  let i = 0;
  while (i < 3 && payload[i] === 0) i++;
  if (i < 2 || payload[i] !== 1 || payload.length < i + 3) return undefined;
  const b0 = payload[i + 1]!;
  const b1 = payload[i + 2]!;
  // H.265 header: forbidden_zero 0, layer id 0, temporal id plus one = 1; VPS/SPS/PPS/AUD/SEI first.
  const h265Type = (b0 >> 1) & 0x3f;
  if ((b0 & 0x81) === 0 && b1 === 1 && [32, 33, 34, 35, 39].includes(h265Type)) return "H265";
  const h264Type = b0 & 0x1f;
  if ((b0 & 0x80) === 0 && h264Type >= 1 && h264Type <= 12) return "H264";
  return undefined;
}
