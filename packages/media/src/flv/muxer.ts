import { audioSpecificConfig, parseAdtsHeader } from "../codec/aac.js";
import { buildAvcDecoderConfigurationRecord } from "../codec/avc-decoder-config.js";
import { buildHevcDecoderConfigurationRecord } from "../codec/hevc-decoder-config.js";
import { lengthPrefixedSize, splitAnnexB, writeLengthPrefixed } from "../codec/nal.js";
import type { VideoParameters } from "../codec/parameter-sets.js";
import { ParameterSetCache } from "../codec/parameter-sets.js";
import { videoCodecTraits } from "../codec/video-codec.js";
import type { AudioCodec, AudioFrame, Frame, VideoFrame } from "../frame.js";
import { aacRawBody, aacSequenceHeaderBody, g711Body } from "./audio-tag.js";
import { compositionTimeMs, FlvClock } from "./clock.js";
import type { FlvStreamInfo } from "./metadata.js";
import { buildOnMetaData } from "./metadata.js";
import { allocFlvTag, buildFlvHeader, buildFlvTag, FLV_TAG_HEADER_LENGTH, FlvTagType } from "./tag.js";
import { avcFramePrefix, avcSequenceHeaderBody, hevcFramePrefix, hevcSequenceStartBody } from "./video-tag.js";

export interface FlvMuxerOptions {
  /** Announce and carry video (default true). */
  video?: boolean;
  /** Announce and carry audio (default true). */
  audio?: boolean;
  /** Used in onMetaData when the SPS carries no timing info. */
  frameRate?: number;
}

export interface FlvTag {
  kind: "video" | "audio";
  keyframe: boolean;
  /** A mid-stream configuration change; already part of `init()` for later viewers. */
  sequenceHeader: boolean;
  timestampMs: number;
  /** The tag including its trailing PreviousTagSize. */
  data: Buffer;
}

export interface FlvMuxerStats {
  videoTags: number;
  audioTags: number;
  /** Frames dropped because no SPS/PPS (or first keyframe) had been seen yet. */
  droppedBeforeKeyframe: number;
  /** Audio dropped before the init segment existed, or while audio is disabled. */
  droppedAudio: number;
  droppedMalformed: number;
}

interface AudioConfig {
  codec: AudioCodec;
  sampleRate: number;
  channels: number;
  /** AAC AudioSpecificConfig; undefined for G.711. */
  asc?: Buffer;
}

/**
 * Frames → FLV (FLV spec v10.1 + Enhanced RTMP v1 for HEVC). `init()` is the file header,
 * onMetaData and sequence headers: a viewer joining late gets `init()` followed by the cached
 * tags from the last keyframe on. Timestamps start at 0 per muxer and never go backwards per track.
 */
export class FlvMuxer {
  private readonly withVideo: boolean;
  private readonly withAudio: boolean;
  private readonly clock = new FlvClock();
  private parameterSets: ParameterSetCache | undefined;
  private videoSequenceBody: Buffer | undefined;
  private sawKeyframe = false;
  private audio: AudioConfig | undefined;
  private lastVideoMs = 0;
  private lastAudioMs = 0;
  readonly stats: FlvMuxerStats = { videoTags: 0, audioTags: 0, droppedBeforeKeyframe: 0, droppedAudio: 0, droppedMalformed: 0 };

  constructor(private readonly options: FlvMuxerOptions = {}) {
    this.withVideo = options.video ?? true;
    this.withAudio = options.audio ?? true;
  }

  get videoParameters(): VideoParameters | undefined {
    return this.parameterSets?.current;
  }

  /** Header + onMetaData + sequence headers; undefined until the video configuration is known. */
  init(): Buffer | undefined {
    if (!this.initReady) return undefined;
    const parts = [buildFlvHeader(this.withAudio, this.withVideo), buildFlvTag(FlvTagType.Script, 0, buildOnMetaData(this.streamInfo()))];
    if (this.videoSequenceBody !== undefined) parts.push(buildFlvTag(FlvTagType.Video, 0, this.videoSequenceBody));
    if (this.audio?.asc !== undefined) parts.push(buildFlvTag(FlvTagType.Audio, 0, aacSequenceHeaderBody(this.audio.asc)));
    return Buffer.concat(parts);
  }

  private get initReady(): boolean {
    return !this.withVideo || this.videoSequenceBody !== undefined;
  }

  push(frame: Frame): FlvTag[] {
    const timestampMs = this.clock.toMs(frame.dts);
    return frame.kind === "video" ? this.pushVideo(frame, timestampMs) : this.pushAudio(frame, timestampMs);
  }

  private streamInfo(): FlvStreamInfo {
    const info: FlvStreamInfo = {};
    const params = this.parameterSets?.current;
    if (params !== undefined) {
      info.video = { codec: params.codec, width: params.width, height: params.height };
      const frameRate = params.frameRate ?? this.options.frameRate;
      if (frameRate !== undefined) info.video.frameRate = frameRate;
    }
    if (this.audio !== undefined) info.audio = { codec: this.audio.codec, sampleRate: this.audio.sampleRate, channels: this.audio.channels };
    return info;
  }

  private pushVideo(frame: VideoFrame, rawMs: number): FlvTag[] {
    if (!this.withVideo) return [];
    const nals = frame.nalus ?? splitAnnexB(frame.data);
    if (this.parameterSets?.codec !== frame.codec) {
      this.parameterSets = new ParameterSetCache(frame.codec);
      this.videoSequenceBody = undefined;
      this.sawKeyframe = false;
    }
    const tags: FlvTag[] = [];
    const timestampMs = Math.max(rawMs, this.lastVideoMs);
    this.lastVideoMs = timestampMs;
    if (this.parameterSets.update(nals)) {
      const hadConfig = this.videoSequenceBody !== undefined;
      this.videoSequenceBody = buildVideoSequenceBody(this.parameterSets.current!);
      if (hadConfig && this.videoSequenceBody !== undefined) tags.push(this.tag("video", true, true, timestampMs, this.videoSequenceBody));
    }
    if (this.videoSequenceBody === undefined || (!frame.keyframe && !this.sawKeyframe)) {
      this.stats.droppedBeforeKeyframe++;
      return tags;
    }
    const traits = videoCodecTraits[frame.codec];
    const samples = nals.filter((nal) => traits.parameterSetKind(nal) === undefined && !traits.isAccessUnitDelimiter(nal));
    if (samples.length === 0) {
      this.stats.droppedMalformed++;
      return tags;
    }
    if (frame.keyframe) this.sawKeyframe = true;
    const cts = compositionTimeMs(frame.pts, frame.dts);
    // Built in one allocation: the access unit is the bulk of the stream's bytes.
    const prefix = frame.codec === "H264" ? avcFramePrefix(frame.keyframe, cts) : hevcFramePrefix(frame.keyframe, cts);
    const data = allocFlvTag(FlvTagType.Video, timestampMs, prefix.length + lengthPrefixedSize(samples));
    prefix.copy(data, FLV_TAG_HEADER_LENGTH);
    writeLengthPrefixed(samples, data, FLV_TAG_HEADER_LENGTH + prefix.length);
    tags.push({ kind: "video", keyframe: frame.keyframe, sequenceHeader: false, timestampMs, data });
    this.stats.videoTags++;
    return tags;
  }

  private pushAudio(frame: AudioFrame, rawMs: number): FlvTag[] {
    if (!this.withAudio) {
      this.stats.droppedAudio++;
      return [];
    }
    const timestampMs = Math.max(rawMs, this.lastAudioMs);
    this.lastAudioMs = timestampMs;
    const tags: FlvTag[] = [];
    let body: Buffer;
    if (frame.codec === "AAC") {
      const header = parseAdtsHeader(frame.data);
      if (header === undefined || header.frameLength > frame.data.length) {
        this.stats.droppedMalformed++;
        return tags;
      }
      const asc = audioSpecificConfig(header);
      if (this.audio?.asc === undefined || !this.audio.asc.equals(asc)) {
        this.audio = { codec: "AAC", sampleRate: header.sampleRate, channels: header.channelConfiguration, asc };
        // Viewers already holding init() lack this configuration.
        if (this.initReady) tags.push(this.tag("audio", true, true, timestampMs, aacSequenceHeaderBody(asc)));
      }
      body = aacRawBody(frame.data.subarray(header.headerLength, header.frameLength));
    } else {
      if (this.audio?.codec !== frame.codec) this.audio = { codec: frame.codec, sampleRate: 8000, channels: 1 };
      body = g711Body(frame.codec, frame.data);
    }
    if (!this.initReady) {
      this.stats.droppedAudio++;
      return tags;
    }
    tags.push(this.tag("audio", true, false, timestampMs, body));
    this.stats.audioTags++;
    return tags;
  }

  private tag(kind: "video" | "audio", keyframe: boolean, sequenceHeader: boolean, timestampMs: number, body: Buffer): FlvTag {
    const type = kind === "video" ? FlvTagType.Video : FlvTagType.Audio;
    return { kind, keyframe, sequenceHeader, timestampMs, data: buildFlvTag(type, timestampMs, body) };
  }
}

function buildVideoSequenceBody(params: VideoParameters): Buffer | undefined {
  if (params.codec === "H264") {
    const record = buildAvcDecoderConfigurationRecord(params.sps, params.pps);
    return record && avcSequenceHeaderBody(record);
  }
  const record = params.vps && buildHevcDecoderConfigurationRecord(params.vps, params.sps, params.pps);
  return record && hevcSequenceStartBody(record);
}
