import { joinAnnexB } from "../codec/nal.js";
import { videoCodecTraits } from "../codec/video-codec.js";
import type { AudioFrame, Frame, VideoCodec, VideoFrame } from "../frame.js";
import { wrapPts } from "../frame.js";
import type { AacConfig } from "./aac-adts.js";
import { adtsHeader, parseAudioSpecificConfig } from "./aac-adts.js";
import { AacPacketType, FlvSoundFormat } from "./audio-tag.js";
import type { DecoderConfig } from "./decoder-config-parse.js";
import { parseAvcDecoderConfig, parseHevcDecoderConfig, splitLengthPrefixed } from "./decoder-config-parse.js";
import { FlvTagType } from "./tag.js";
import { AVC_CODEC_ID, ExVideoPacketType, HEVC_FOURCC } from "./video-tag.js";

/** One FLV tag (or RTMP audio/video message): type, timestamp and body. */
export interface FlvTagData {
  type: number;
  timestampMs: number;
  body: Buffer;
}

export interface FlvDemuxerStats {
  videoFrames: number;
  audioFrames: number;
  /** Frames before the sequence header, or of a codec we do not carry. */
  dropped: number;
  malformed: number;
}

/** Legacy FLV codec id 12: HEVC as Chinese CDNs and many cameras send it before Enhanced RTMP. */
const LEGACY_HEVC_CODEC_ID = 12;
const AVC_FOURCC = "avc1";
const ENHANCED_AUDIO_FORMAT = 9;
/** Enhanced RTMP frame type 5: a command frame carrying no picture. */
const COMMAND_FRAME = 5;

interface VideoTrack {
  codec: VideoCodec;
  config: DecoderConfig;
}

/**
 * FLV tag bodies → the codec-neutral Frames the PS path produces (FLV spec v10.1 §E.4.2–E.4.3 and
 * Enhanced RTMP v1): AVC and HEVC (legacy codec id 12 or `hvc1`) samples become Annex-B access
 * units with the parameter sets repeated in front of every keyframe, as cameras send them, so the
 * FLV muxer and the HLS ffmpeg see the same input as for GB streams; AAC raw frames get ADTS
 * headers; G.711 passes through. Timestamps become 90 kHz.
 */
export class FlvDemuxer {
  private video: VideoTrack | undefined;
  private aac: AacConfig | undefined;
  readonly stats: FlvDemuxerStats = { videoFrames: 0, audioFrames: 0, dropped: 0, malformed: 0 };

  get videoCodec(): VideoCodec | undefined {
    return this.video?.codec;
  }

  push(tag: FlvTagData): Frame[] {
    if (tag.type === FlvTagType.Video) return this.pushVideo(tag);
    if (tag.type === FlvTagType.Audio) return this.pushAudio(tag);
    return [];
  }

  private pushVideo({ body, timestampMs }: FlvTagData): Frame[] {
    if (body.length < 1) return this.malformed();
    const first = body[0]!;
    const frameType = (first >> 4) & 0x07;
    if (frameType === COMMAND_FRAME) return [];
    let codec: VideoCodec;
    let packetType: number;
    let cts = 0;
    let payload: Buffer;
    if (first & 0x80) {
      // Enhanced RTMP: IsExHeader | FrameType(3) | PacketType(4), then a FourCC.
      if (body.length < 5) return this.malformed();
      const fourCc = body.toString("latin1", 1, 5);
      if (fourCc !== HEVC_FOURCC && fourCc !== AVC_FOURCC) return this.drop();
      codec = fourCc === HEVC_FOURCC ? "H265" : "H264";
      packetType = first & 0x0f;
      if (packetType === ExVideoPacketType.CodedFrames) {
        if (body.length < 8) return this.malformed();
        cts = body.readIntBE(5, 3);
        payload = body.subarray(8);
      } else {
        payload = body.subarray(5);
      }
      if (packetType === ExVideoPacketType.CodedFramesX) packetType = ExVideoPacketType.CodedFrames;
    } else {
      const codecId = first & 0x0f;
      if (codecId !== AVC_CODEC_ID && codecId !== LEGACY_HEVC_CODEC_ID) return this.drop();
      if (body.length < 5) return this.malformed();
      codec = codecId === AVC_CODEC_ID ? "H264" : "H265";
      // AVCPacketType 0/1/2 has the values of ExVideoPacketType SequenceStart/CodedFrames/SequenceEnd.
      packetType = body[1]!;
      cts = body.readIntBE(2, 3);
      payload = body.subarray(5);
    }
    if (packetType === ExVideoPacketType.SequenceStart) {
      const config = codec === "H264" ? parseAvcDecoderConfig(payload) : parseHevcDecoderConfig(payload);
      if (config === undefined) return this.malformed();
      this.video = { codec, config };
      return [];
    }
    if (packetType !== ExVideoPacketType.CodedFrames) return [];
    const track = this.video;
    if (track === undefined || track.codec !== codec) return this.drop();
    const nals = splitLengthPrefixed(payload, track.config.lengthSize);
    if (nals === undefined || nals.length === 0) return this.malformed();
    const keyframe = videoCodecTraits[codec].isKeyframe(nals);
    const dts = wrapPts(timestampMs * 90);
    const frame: VideoFrame = {
      kind: "video",
      codec,
      dts,
      pts: wrapPts(dts + cts * 90),
      data: joinAnnexB(keyframe ? [...track.config.parameterSets, ...nals] : nals),
      keyframe,
    };
    this.stats.videoFrames++;
    return [frame];
  }

  private pushAudio({ body, timestampMs }: FlvTagData): Frame[] {
    if (body.length < 1) return this.malformed();
    const format = body[0]! >> 4;
    const dts = wrapPts(timestampMs * 90);
    if (format === FlvSoundFormat.G711A || format === FlvSoundFormat.G711U) {
      if (body.length < 2) return this.malformed();
      return [this.audioFrame(format === FlvSoundFormat.G711A ? "G711A" : "G711U", dts, Buffer.from(body.subarray(1)))];
    }
    if (format === ENHANCED_AUDIO_FORMAT || format !== FlvSoundFormat.AAC) return this.drop();
    if (body.length < 2) return this.malformed();
    const raw = body.subarray(2);
    if (body[1] === AacPacketType.SequenceHeader) {
      this.aac = parseAudioSpecificConfig(raw);
      return this.aac === undefined ? this.malformed() : [];
    }
    if (this.aac === undefined) return this.drop();
    const header = adtsHeader(this.aac, raw.length);
    if (header === undefined || raw.length === 0) return this.malformed();
    return [this.audioFrame("AAC", dts, Buffer.concat([header, raw]))];
  }

  private audioFrame(codec: AudioFrame["codec"], dts: number, data: Buffer): AudioFrame {
    this.stats.audioFrames++;
    return { kind: "audio", codec, pts: dts, dts, data, keyframe: true };
  }

  private malformed(): Frame[] {
    this.stats.malformed++;
    return [];
  }

  private drop(): Frame[] {
    this.stats.dropped++;
    return [];
  }
}
