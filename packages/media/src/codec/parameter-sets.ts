import type { VideoCodec } from "../frame.js";
import { parseH264Sps } from "./h264.js";
import { parseH265Sps } from "./h265.js";
import { videoCodecTraits } from "./video-codec.js";

/** The decoder configuration a video stream needs, plus what its SPS says about the picture. */
export interface VideoParameters {
  codec: VideoCodec;
  /** H.265 only. */
  vps?: Buffer;
  sps: Buffer;
  pps: Buffer;
  width: number;
  height: number;
  frameRate?: number;
}

/**
 * Remembers the latest in-band VPS/SPS/PPS of one stream. Cameras repeat them before every IDR;
 * `update` reports a change only when the bytes differ, so muxers re-send sequence headers only
 * when the configuration really changed (e.g. a resolution switch).
 */
export class ParameterSetCache {
  private vps: Buffer | undefined;
  private sps: Buffer | undefined;
  private pps: Buffer | undefined;
  private params: VideoParameters | undefined;

  constructor(readonly codec: VideoCodec) {}

  get current(): VideoParameters | undefined {
    return this.params;
  }

  /** Returns true when the complete parameter set changed with these NAL units. */
  update(nals: readonly Buffer[]): boolean {
    const traits = videoCodecTraits[this.codec];
    let touched = false;
    for (const nal of nals) {
      const kind = traits.parameterSetKind(nal);
      if (kind === undefined || this[kind]?.equals(nal)) continue;
      this[kind] = Buffer.from(nal);
      touched = true;
    }
    if (!touched) return false;
    const next = this.build();
    if (next === undefined) return false;
    this.params = next;
    return true;
  }

  private build(): VideoParameters | undefined {
    const { sps, pps, vps } = this;
    if (sps === undefined || pps === undefined) return undefined;
    if (this.codec === "H264") {
      const info = parseH264Sps(sps);
      if (info === undefined) return undefined;
      const params: VideoParameters = { codec: "H264", sps, pps, width: info.width, height: info.height };
      if (info.frameRate !== undefined) params.frameRate = info.frameRate;
      return params;
    }
    const info = parseH265Sps(sps);
    if (info === undefined || vps === undefined) return undefined;
    return { codec: "H265", vps, sps, pps, width: info.width, height: info.height };
  }
}
