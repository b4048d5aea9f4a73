import { uint16BE } from "../bytes.js";
import { parseH264Sps } from "./h264.js";

/**
 * AVCDecoderConfigurationRecord, ISO 14496-15 §5.3.3.1, with 4-byte NAL lengths. The
 * chroma/bit-depth trailer is written for High profiles as the record requires.
 */
export function buildAvcDecoderConfigurationRecord(sps: Buffer, pps: Buffer): Buffer | undefined {
  const info = parseH264Sps(sps);
  if (info === undefined) return undefined;
  const head = Buffer.from([1, info.profileIdc, info.constraintFlags, info.levelIdc, 0xff, 0xe1]);
  const parts = [head, uint16BE(sps.length), sps, Buffer.from([1]), uint16BE(pps.length), pps];
  if (info.profileIdc === 100 || info.profileIdc === 110 || info.profileIdc === 122 || info.profileIdc === 144) {
    parts.push(Buffer.from([0xfc | info.chromaFormatIdc, 0xf8 | info.bitDepthLumaMinus8, 0xf8 | info.bitDepthChromaMinus8, 0]));
  }
  return Buffer.concat(parts);
}

