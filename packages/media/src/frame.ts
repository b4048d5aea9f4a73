export type VideoCodec = "H264" | "H265";
export type AudioCodec = "AAC" | "G711A" | "G711U";
export type Codec = VideoCodec | AudioCodec;

/**
 * Codec-neutral media unit passed between demuxers and muxers.
 * pts/dts are 90 kHz ticks in the 33-bit MPEG range (ISO 13818-1 §2.4.3.7); they may wrap,
 * consumers unwrap them.
 */
export interface VideoFrame {
  kind: "video";
  codec: VideoCodec;
  pts: number;
  dts: number;
  /** One access unit in Annex-B form (start-code prefixed NAL units). */
  data: Buffer;
  keyframe: boolean;
  /**
   * The NAL units of `data` as `splitAnnexB` gives them (views into it), when the producer has
   * already split it: a consumer then does not scan the access unit again.
   */
  nalus?: readonly Buffer[];
}

export interface AudioFrame {
  kind: "audio";
  codec: AudioCodec;
  pts: number;
  dts: number;
  /** AAC: one ADTS frame (header included); G.711: raw 8-bit samples. */
  data: Buffer;
  keyframe: boolean;
}

export type Frame = VideoFrame | AudioFrame;

/** 2^33: PTS/DTS are 33-bit counters. Built by multiplication because JS bitwise ops are 32-bit. */
export const PTS_MODULUS = 2 ** 33;

export function wrapPts(ticks: number): number {
  return ((ticks % PTS_MODULUS) + PTS_MODULUS) % PTS_MODULUS;
}
