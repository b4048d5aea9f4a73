import type { AudioCodec, VideoCodec } from "../frame.js";
import type { Amf0Value } from "./amf0.js";
import { encodeAmf0EcmaArray, encodeAmf0String } from "./amf0.js";
import { FlvSoundFormat } from "./audio-tag.js";
import { AVC_CODEC_ID, HEVC_FOURCC } from "./video-tag.js";

export interface FlvStreamInfo {
  video?: { codec: VideoCodec; width: number; height: number; frameRate?: number };
  audio?: { codec: AudioCodec; sampleRate: number; channels: number };
}

/**
 * onMetaData script tag body (FLV spec §E.5). Enhanced RTMP identifies HEVC by its FourCC as a
 * number in videocodecid.
 */
export function buildOnMetaData(info: FlvStreamInfo): Buffer {
  const entries: Array<[string, Amf0Value]> = [["duration", 0]];
  if (info.video !== undefined) {
    const { codec, width, height, frameRate } = info.video;
    entries.push(["width", width], ["height", height]);
    if (frameRate !== undefined) entries.push(["framerate", frameRate]);
    entries.push(["videocodecid", codec === "H264" ? AVC_CODEC_ID : Buffer.from(HEVC_FOURCC, "ascii").readUInt32BE(0)]);
  }
  if (info.audio !== undefined) {
    const { codec, sampleRate, channels } = info.audio;
    entries.push(
      ["audiocodecid", FlvSoundFormat[codec]],
      ["audiosamplerate", sampleRate],
      ["audiosamplesize", 16],
      ["stereo", channels > 1],
    );
  }
  return Buffer.concat([encodeAmf0String("onMetaData"), encodeAmf0EcmaArray(entries)]);
}
