import { splitAccessUnits } from "../src/codec/access-unit.js";
import { videoCodecTraits } from "../src/codec/video-codec.js";
import { joinAnnexB, splitAnnexB } from "../src/codec/nal.js";
import type { AudioCodec, AudioFrame, Frame, VideoCodec, VideoFrame } from "../src/frame.js";
import { wrapPts } from "../src/frame.js";

/** 25 fps in 90 kHz ticks. */
export const FRAME_TICKS = 3600;

/** Frames of an Annex-B elementary stream, timestamped at 25 fps from `startPts`. */
export function videoFrames(codec: VideoCodec, es: Buffer, startPts = 90000): VideoFrame[] {
  return splitAccessUnits(codec, es).map((nals, i) => {
    const pts = wrapPts(startPts + i * FRAME_TICKS);
    return { kind: "video", codec, pts, dts: pts, data: joinAnnexB(nals), keyframe: videoCodecTraits[codec].isKeyframe(nals) };
  });
}

/** G.711 frames of 20 ms (160 samples at 8 kHz). */
export function g711Frames(codec: Exclude<AudioCodec, "AAC">, samples: Buffer, startPts = 90000): AudioFrame[] {
  const frames: AudioFrame[] = [];
  for (let offset = 0, i = 0; offset < samples.length; offset += 160, i++) {
    const pts = wrapPts(startPts + i * 1800);
    frames.push({ kind: "audio", codec, pts, dts: pts, data: samples.subarray(offset, offset + 160), keyframe: true });
  }
  return frames;
}

/** Merges two frame lists by DTS (the order a camera would send them). */
export function interleave<A extends { dts: number }, B extends { dts: number }>(a: readonly A[], b: readonly B[]): Array<A | B> {
  return [...a, ...b].sort((x, y) => x.dts - y.dts);
}

/** `frames` as a demuxer gives them: video frames carry the NAL units it found. */
export function demuxed<T extends Frame>(frames: readonly (T | undefined)[]): T[] {
  return frames.map((frame) => (frame?.kind === "video" ? { ...frame, nalus: splitAnnexB(frame.data) } : frame) as T);
}
