import { uint16BE } from "../bytes.js";
import { H265Nal, parseH265Sps } from "./h265.js";

/**
 * HEVCDecoderConfigurationRecord, ISO 14496-15 §8.3.3.1.2, with 4-byte NAL lengths and one
 * complete array each of VPS, SPS and PPS (array_completeness = 1: muxers strip in-band copies).
 */
export function buildHevcDecoderConfigurationRecord(vps: Buffer, sps: Buffer, pps: Buffer): Buffer | undefined {
  const info = parseH265Sps(sps);
  if (info === undefined) return undefined;
  const fixed = Buffer.alloc(23);
  fixed[0] = 1;
  fixed[1] = (info.generalProfileSpace << 6) | (info.generalTierFlag << 5) | info.generalProfileIdc;
  fixed.writeUInt32BE(info.generalProfileCompatibilityFlags >>> 0, 2);
  info.generalConstraintIndicatorFlags.copy(fixed, 6);
  fixed[12] = info.generalLevelIdc;
  fixed.writeUInt16BE(0xf000, 13); // reserved '1111' + min_spatial_segmentation_idc 0
  fixed[15] = 0xfc; // parallelismType 0 (unknown)
  fixed[16] = 0xfc | info.chromaFormatIdc;
  fixed[17] = 0xf8 | info.bitDepthLumaMinus8;
  fixed[18] = 0xf8 | info.bitDepthChromaMinus8;
  fixed.writeUInt16BE(0, 19); // avgFrameRate unspecified
  fixed[21] = ((info.maxSubLayersMinus1 + 1) << 3) | (info.temporalIdNesting << 2) | 3;
  fixed[22] = 3;
  const arrays = ([[H265Nal.Vps, vps], [H265Nal.Sps, sps], [H265Nal.Pps, pps]] as const).flatMap(([type, nal]) => [
    Buffer.from([0x80 | type]),
    uint16BE(1),
    uint16BE(nal.length),
    nal,
  ]);
  return Buffer.concat([fixed, ...arrays]);
}
