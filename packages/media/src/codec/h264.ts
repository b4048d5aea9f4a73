import { BitReader } from "./bit-reader.js";
import { unescapeRbsp } from "./nal.js";

/** nal_unit_type values, H.264 Table 7-1. */
export const H264Nal = {
  Slice: 1,
  Idr: 5,
  Sei: 6,
  Sps: 7,
  Pps: 8,
  Aud: 9,
} as const;

export function h264NalType(nal: Uint8Array): number {
  return (nal[0] ?? 0) & 0x1f;
}

export function isH264Keyframe(nals: readonly Buffer[]): boolean {
  return nals.some((nal) => {
    const type = h264NalType(nal);
    return type === H264Nal.Idr || type === H264Nal.Sps;
  });
}

/**
 * True when `nal` begins a new access unit given that the current one already holds a VCL NAL
 * (H.264 §7.4.1.2.3): AUD/SPS/PPS/SEI/14..18, or a slice with first_mb_in_slice == 0
 * (ue(v) 0 is the single bit '1', so the top bit of the first slice-header byte).
 */
export function h264StartsAccessUnit(nal: Uint8Array, currentHasVcl: boolean): boolean {
  if (!currentHasVcl) return false;
  const type = h264NalType(nal);
  if (type === H264Nal.Slice || type === H264Nal.Idr) return ((nal[1] ?? 0) & 0x80) !== 0;
  return type === H264Nal.Aud || type === H264Nal.Sps || type === H264Nal.Pps || type === H264Nal.Sei || (type >= 14 && type <= 18);
}

export function isH264Vcl(nal: Uint8Array): boolean {
  const type = h264NalType(nal);
  return type >= 1 && type <= 5;
}

export interface H264SpsInfo {
  profileIdc: number;
  constraintFlags: number;
  levelIdc: number;
  chromaFormatIdc: number;
  bitDepthLumaMinus8: number;
  bitDepthChromaMinus8: number;
  width: number;
  height: number;
  /** From VUI timing info when present (time_scale / (2 * num_units_in_tick), §E.2.1). */
  frameRate?: number;
}

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.readSe() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** Parses an SPS NAL unit (header byte included), H.264 §7.3.2.1.1. */
export function parseH264Sps(nal: Uint8Array): H264SpsInfo | undefined {
  if (nal.length < 4 || h264NalType(nal) !== H264Nal.Sps) return undefined;
  const r = new BitReader(unescapeRbsp(nal.subarray(1)));
  const profileIdc = r.readBits(8);
  const constraintFlags = r.readBits(8);
  const levelIdc = r.readBits(8);
  r.readUe();
  let chromaFormatIdc = 1;
  let separateColourPlane = 0;
  let bitDepthLumaMinus8 = 0;
  let bitDepthChromaMinus8 = 0;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = r.readUe();
    if (chromaFormatIdc === 3) separateColourPlane = r.readBit();
    bitDepthLumaMinus8 = r.readUe();
    bitDepthChromaMinus8 = r.readUe();
    r.readBit();
    if (r.readBit()) {
      const lists = chromaFormatIdc !== 3 ? 8 : 12;
      for (let i = 0; i < lists; i++) if (r.readBit()) skipScalingList(r, i < 6 ? 16 : 64);
    }
  }
  r.readUe();
  const pocType = r.readUe();
  if (pocType === 0) {
    r.readUe();
  } else if (pocType === 1) {
    r.readBit();
    r.readSe();
    r.readSe();
    const cycle = r.readUe();
    for (let i = 0; i < cycle && !r.overrun; i++) r.readSe();
  }
  r.readUe();
  r.readBit();
  const widthInMbs = r.readUe() + 1;
  const heightInMapUnits = r.readUe() + 1;
  const frameMbsOnly = r.readBit();
  if (!frameMbsOnly) r.readBit();
  r.readBit();
  let crop = { left: 0, right: 0, top: 0, bottom: 0 };
  if (r.readBit()) crop = { left: r.readUe(), right: r.readUe(), top: r.readUe(), bottom: r.readUe() };
  const frameRate = readVuiFrameRate(r);
  if (r.overrun || chromaFormatIdc > 3) return undefined;

  // Crop units, H.264 Table 6-1 and equations 7-19..7-22.
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const subWidthC = chromaArrayType === 3 ? 1 : 2;
  const subHeightC = chromaArrayType === 1 ? 2 : 1;
  const cropUnitX = chromaArrayType === 0 ? 1 : subWidthC;
  const cropUnitY = (chromaArrayType === 0 ? 1 : subHeightC) * (2 - frameMbsOnly);
  const width = widthInMbs * 16 - cropUnitX * (crop.left + crop.right);
  const height = (2 - frameMbsOnly) * heightInMapUnits * 16 - cropUnitY * (crop.top + crop.bottom);
  if (width <= 0 || height <= 0) return undefined;
  const info: H264SpsInfo = { profileIdc, constraintFlags, levelIdc, chromaFormatIdc, bitDepthLumaMinus8, bitDepthChromaMinus8, width, height };
  if (frameRate !== undefined) info.frameRate = frameRate;
  return info;
}

/** Walks vui_parameters() (§E.1.1) up to timing_info; absent or truncated VUI yields undefined. */
function readVuiFrameRate(r: BitReader): number | undefined {
  if (!r.readBit()) return undefined;
  if (r.readBit() && r.readBits(8) === 255) r.skipBits(32);
  if (r.readBit()) r.readBit();
  if (r.readBit()) {
    r.skipBits(4);
    if (r.readBit()) r.skipBits(24);
  }
  if (r.readBit()) {
    r.readUe();
    r.readUe();
  }
  if (!r.readBit()) return undefined;
  const numUnitsInTick = r.readBits(32);
  const timeScale = r.readBits(32);
  if (r.overrun || numUnitsInTick === 0 || timeScale === 0) return undefined;
  return Math.round((timeScale / (2 * numUnitsInTick)) * 1000) / 1000;
}
