import type { VideoCodec } from "../frame.js";
import { H264Nal, h264NalType, h264StartsAccessUnit, isH264Keyframe, isH264Vcl } from "./h264.js";
import { H265Nal, h265NalType, h265StartsAccessUnit, isH265Keyframe, isH265Vcl } from "./h265.js";

export type ParameterSetKind = "vps" | "sps" | "pps";

/** The per-codec NAL questions the demuxers and muxers ask, so they stay codec-neutral. */
export interface VideoCodecTraits {
  isKeyframe(nals: readonly Buffer[]): boolean;
  startsAccessUnit(nal: Uint8Array, currentHasVcl: boolean): boolean;
  isVcl(nal: Uint8Array): boolean;
  isAccessUnitDelimiter(nal: Uint8Array): boolean;
  parameterSetKind(nal: Uint8Array): ParameterSetKind | undefined;
}

const h264: VideoCodecTraits = {
  isKeyframe: isH264Keyframe,
  startsAccessUnit: h264StartsAccessUnit,
  isVcl: isH264Vcl,
  isAccessUnitDelimiter: (nal) => h264NalType(nal) === H264Nal.Aud,
  parameterSetKind(nal) {
    const type = h264NalType(nal);
    return type === H264Nal.Sps ? "sps" : type === H264Nal.Pps ? "pps" : undefined;
  },
};

const h265: VideoCodecTraits = {
  isKeyframe: isH265Keyframe,
  startsAccessUnit: h265StartsAccessUnit,
  isVcl: isH265Vcl,
  isAccessUnitDelimiter: (nal) => h265NalType(nal) === H265Nal.Aud,
  parameterSetKind(nal) {
    const type = h265NalType(nal);
    return type === H265Nal.Vps ? "vps" : type === H265Nal.Sps ? "sps" : type === H265Nal.Pps ? "pps" : undefined;
  },
};

export const videoCodecTraits: Readonly<Record<VideoCodec, VideoCodecTraits>> = { H264: h264, H265: h265 };
