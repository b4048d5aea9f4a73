import { BitReader } from "./bit-reader.js";
import { unescapeRbsp } from "./nal.js";

/** nal_unit_type values, H.265 Table 7-1. */
export const H265Nal = {
  BlaWLp: 16,
  CraNut: 21,
  Vps: 32,
  Sps: 33,
  Pps: 34,
  Aud: 35,
  PrefixSei: 39,
} as const;

export function h265NalType(nal: Uint8Array): number {
  return ((nal[0] ?? 0) >> 1) & 0x3f;
}

/** IRAP pictures (BLA/IDR/CRA, types 16..21) are random access points, H.265 §3.73. */
export function isH265Keyframe(nals: readonly Buffer[]): boolean {
  return nals.some((nal) => {
    const type = h265NalType(nal);
    return type >= H265Nal.BlaWLp && type <= H265Nal.CraNut;
  });
}

export function isH265Vcl(nal: Uint8Array): boolean {
  return h265NalType(nal) < 32;
}

/**
 * True when `nal` begins a new access unit given that the current one already holds a VCL NAL
 * (H.265 §7.4.2.4.4): AUD/VPS/SPS/PPS/prefix SEI/41..44/48..55, or a slice segment with
 * first_slice_segment_in_pic_flag (top bit after the 2-byte NAL header).
 */
export function h265StartsAccessUnit(nal: Uint8Array, currentHasVcl: boolean): boolean {
  if (!currentHasVcl) return false;
  const type = h265NalType(nal);
  if (type < 32) return ((nal[2] ?? 0) & 0x80) !== 0;
  return (type >= H265Nal.Vps && type <= H265Nal.Aud) || type === H265Nal.PrefixSei || (type >= 41 && type <= 44) || (type >= 48 && type <= 55);
}

export interface H265SpsInfo {
  generalProfileSpace: number;
  generalTierFlag: number;
  generalProfileIdc: number;
  generalProfileCompatibilityFlags: number;
  /** The 48 bits of general constraint indicator flags, verbatim. */
  generalConstraintIndicatorFlags: Buffer;
  generalLevelIdc: number;
  maxSubLayersMinus1: number;
  temporalIdNesting: number;
  chromaFormatIdc: number;
  bitDepthLumaMinus8: number;
  bitDepthChromaMinus8: number;
  width: number;
  height: number;
}

/** Parses an SPS NAL unit (2-byte header included), H.265 §7.3.2.2 up to the bit depths. */
export function parseH265Sps(nal: Uint8Array): H265SpsInfo | undefined {
  if (nal.length < 16 || h265NalType(nal) !== H265Nal.Sps) return undefined;
  const rbsp = unescapeRbsp(nal.subarray(2));
  const r = new BitReader(rbsp);
  r.skipBits(4);
  const maxSubLayersMinus1 = r.readBits(3);
  const temporalIdNesting = r.readBit();
  // profile_tier_level(1, maxSubLayersMinus1), §7.3.3
  const generalProfileSpace = r.readBits(2);
  const generalTierFlag = r.readBit();
  const generalProfileIdc = r.readBits(5);
  const generalProfileCompatibilityFlags = r.readBits(32);
  const generalConstraintIndicatorFlags = Buffer.from(rbsp.subarray(6, 12));
  r.skipBits(48);
  const generalLevelIdc = r.readBits(8);
  const subLayerFlags: Array<[number, number]> = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) subLayerFlags.push([r.readBit(), r.readBit()]);
  if (maxSubLayersMinus1 > 0) r.skipBits(2 * (8 - maxSubLayersMinus1));
  for (const [profilePresent, levelPresent] of subLayerFlags) {
    if (profilePresent) r.skipBits(88);
    if (levelPresent) r.skipBits(8);
  }
  r.readUe();
  const chromaFormatIdc = r.readUe();
  let separateColourPlane = 0;
  if (chromaFormatIdc === 3) separateColourPlane = r.readBit();
  const lumaWidth = r.readUe();
  const lumaHeight = r.readUe();
  let window = { left: 0, right: 0, top: 0, bottom: 0 };
  if (r.readBit()) window = { left: r.readUe(), right: r.readUe(), top: r.readUe(), bottom: r.readUe() };
  const bitDepthLumaMinus8 = r.readUe();
  const bitDepthChromaMinus8 = r.readUe();
  if (r.overrun || chromaFormatIdc > 3) return undefined;
  // Conformance window offsets are in chroma units, H.265 Table 6-1.
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const subWidthC = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
  const subHeightC = chromaArrayType === 1 ? 2 : 1;
  const width = lumaWidth - subWidthC * (window.left + window.right);
  const height = lumaHeight - subHeightC * (window.top + window.bottom);
  if (width <= 0 || height <= 0) return undefined;
  return {
    generalProfileSpace,
    generalTierFlag,
    generalProfileIdc,
    generalProfileCompatibilityFlags,
    generalConstraintIndicatorFlags,
    generalLevelIdc,
    maxSubLayersMinus1,
    temporalIdNesting,
    chromaFormatIdc,
    bitDepthLumaMinus8,
    bitDepthChromaMinus8,
    width,
    height,
  };
}
