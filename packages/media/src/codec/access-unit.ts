import type { VideoCodec } from "../frame.js";
import { splitAnnexB } from "./nal.js";
import { videoCodecTraits } from "./video-codec.js";

/**
 * Splits a raw Annex-B elementary stream (e.g. `ffmpeg -f h264`) into access units, each a list
 * of NAL unit views. Boundaries follow H.264 §7.4.1.2.3 / H.265 §7.4.2.4.4.
 */
export function splitAccessUnits(codec: VideoCodec, elementaryStream: Buffer): Buffer[][] {
  const traits = videoCodecTraits[codec];
  const units: Buffer[][] = [];
  let current: Buffer[] = [];
  let currentHasVcl = false;
  for (const nal of splitAnnexB(elementaryStream)) {
    if (traits.startsAccessUnit(nal, currentHasVcl)) {
      units.push(current);
      current = [];
      currentHasVcl = false;
    }
    current.push(nal);
    if (traits.isVcl(nal)) currentHasVcl = true;
  }
  if (current.length > 0) units.push(current);
  return units;
}
