import type { AudioCodec, Frame, VideoCodec } from "../frame.js";
import { buildPackHeader } from "./pack-header.js";
import { buildPes, MAX_PES_PAYLOAD } from "./pes.js";
import { buildPsm } from "./psm.js";
import { buildSystemHeader } from "./system-header.js";
import { PsStreamType, StreamId } from "./stream-types.js";

export interface PsMuxerOptions {
  video?: VideoCodec;
  audio?: AudioCodec;
}

/** P-STD buffer bounds announced in the system header (informative for receivers). */
const VIDEO_BUFFER_BYTES = 400 * 1024;
const AUDIO_BUFFER_BYTES = 4 * 1024;

/**
 * Frames → MPEG-2 program stream, shaped like GB28181 camera output (GB/T 28181-2016 Annex C):
 * a pack header per frame, system header + PSM before every keyframe, then the frame as one or
 * more PES packets with the PTS/DTS on the first.
 */
export class PsMuxer {
  private readonly systemHeader: Buffer;
  private readonly psm: Buffer;

  constructor(private readonly options: PsMuxerOptions) {
    if (options.video === undefined && options.audio === undefined) throw new Error("PsMuxer needs at least one stream");
    const streams: Array<{ streamId: number; streamType: number; bufferBytes: number }> = [];
    if (options.video !== undefined) {
      streams.push({ streamId: StreamId.FirstVideo, streamType: PsStreamType[options.video], bufferBytes: VIDEO_BUFFER_BYTES });
    }
    if (options.audio !== undefined) {
      streams.push({ streamId: StreamId.FirstAudio, streamType: PsStreamType[options.audio], bufferBytes: AUDIO_BUFFER_BYTES });
    }
    this.systemHeader = buildSystemHeader(streams);
    this.psm = buildPsm(streams);
  }

  mux(frame: Frame): Buffer {
    const configured = frame.kind === "video" ? this.options.video : this.options.audio;
    if (configured !== frame.codec) throw new Error(`PsMuxer not configured for ${frame.kind} ${frame.codec}`);
    const parts: Buffer[] = [buildPackHeader(frame.dts)];
    if (frame.kind === "video" && frame.keyframe) parts.push(this.systemHeader, this.psm);
    const streamId = frame.kind === "video" ? StreamId.FirstVideo : StreamId.FirstAudio;
    for (let offset = 0; offset < frame.data.length || offset === 0; offset += MAX_PES_PAYLOAD) {
      const chunk = frame.data.subarray(offset, offset + MAX_PES_PAYLOAD);
      parts.push(offset === 0 ? buildPes(streamId, chunk, frame.pts, frame.dts) : buildPes(streamId, chunk));
    }
    return Buffer.concat(parts);
  }
}
