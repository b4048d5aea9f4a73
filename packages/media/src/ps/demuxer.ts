import { AAC_SAMPLES_PER_FRAME, parseAdtsHeader, splitAdtsFrames } from "../codec/aac.js";
import { splitAnnexB } from "../codec/nal.js";
import type { VideoParameters } from "../codec/parameter-sets.js";
import { ParameterSetCache } from "../codec/parameter-sets.js";
import { videoCodecTraits } from "../codec/video-codec.js";
import type { AudioCodec, Codec, Frame, VideoCodec } from "../frame.js";
import { wrapPts } from "../frame.js";
import { findPsStartCode, measurePsPacket, PackStartCode, ProgramEndCode, START_CODE_PREFIX, startCodePrefixTail, SystemHeaderCode } from "./packet-boundary.js";
import type { PesPacket } from "./pes.js";
import { parsePes } from "./pes.js";
import { parsePsm } from "./psm.js";
import { codecOfStreamType, isAudioStreamId, isPrivateStreamId, isVideoStreamId, StreamId } from "./stream-types.js";
import { probeVideoCodec } from "./video-probe.js";

export interface PsDemuxerOptions {
  /** Video access units larger than this are dropped (bounds memory per frame). Default 4 MiB. */
  maxFrameBytes?: number;
}

export interface PsDemuxerStats {
  packs: number;
  pesPackets: number;
  frames: number;
  /** Bytes skipped while hunting for a start code. */
  garbageBytes: number;
  /** Packets cut short by loss, detected at a frame boundary or by a pack start inside video data. */
  truncatedPackets: number;
  /** Packets whose header could not be parsed. */
  malformedPackets: number;
  /** PES of stream ids we do not carry, or with no codec known for them. */
  unknownStreamIds: number;
  /** Of those, private_stream_1/2 PES (vendor data such as Hikvision's 0xBD trailer), skipped by length. */
  privateStreamPackets: number;
  oversizedFrames: number;
  /** Frames abandoned because part of them was lost. */
  droppedFrames: number;
}

interface VideoAccessUnit {
  codec: VideoCodec;
  pts: number;
  dts: number;
  parts: Buffer[];
  size: number;
  overflowed: boolean;
}

interface PartialPacket {
  data: Buffer;
  filled: number;
}

/** A video PES with PES_packet_length 0 whose end (the next start code) has not arrived yet. */
interface UnboundedPes {
  streamId: number;
  /** Timestamps of its header, handed on with the first payload bytes. */
  pts: number | undefined;
  dts: number | undefined;
}

/** Payload bytes an unbounded PES header must be followed by before it is handled: enough to probe the first NAL header. */
const UNBOUNDED_PROBE_BYTES = 6;

const PACK_START = Buffer.from([0, 0, 1, PackStartCode]);
const EMPTY = Buffer.alloc(0);

/**
 * Streaming MPEG-2 program stream demuxer (ISO 13818-1 §2.5) for GB28181 PS-over-RTP payloads.
 *
 * Input may be split anywhere (RTP payload boundaries, single bytes). A video access unit is
 * complete when a PES with a different PTS arrives, the RTP timestamp changes, or the caller
 * signals the RTP marker via `endFrame()`. Camera idioms it accepts (see ps-camera-idioms.test.ts):
 * non-0xFF pack and PES header stuffing, PSM descriptors and wrong map lengths, one NAL per PES,
 * private 0xBD/0xBF PES, video PES_packet_length 0, no PSM or a PSM naming the wrong video codec,
 * audio in RTP packets of its own. Never throws on input; memory is bounded by one PES packet
 * plus `maxFrameBytes`.
 */
export class PsDemuxer {
  private readonly maxFrameBytes: number;
  private head: Buffer = EMPTY;
  private partial: PartialPacket | undefined;
  private readonly streamCodecs = new Map<number, Codec>();
  /** Stream ids the PSM declares with a stream_type we do not carry (SVAC, G.729, ...): never probed. */
  private readonly foreignStreams = new Set<number>();
  private unbounded: UnboundedPes | undefined;
  private au: VideoAccessUnit | undefined;
  private parameterSets: ParameterSetCache | undefined;
  private lastRtpTimestamp: number | undefined;
  private lastVideoPts = 0;
  private lastAudioPts = 0;
  /** After a loss, continuation PES (no PTS) belong to a damaged frame: skip until a PTS. */
  private awaitVideoPts = false;
  private videoCarriesPts = false;
  private out: Frame[] = [];
  readonly stats: PsDemuxerStats = {
    packs: 0,
    pesPackets: 0,
    frames: 0,
    garbageBytes: 0,
    truncatedPackets: 0,
    malformedPackets: 0,
    unknownStreamIds: 0,
    privateStreamPackets: 0,
    oversizedFrames: 0,
    droppedFrames: 0,
  };

  constructor(options: PsDemuxerOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? 4 * 1024 * 1024;
  }

  /** Latest VPS/SPS/PPS and picture size seen in the video stream. */
  get videoParameters(): VideoParameters | undefined {
    return this.parameterSets?.current;
  }

  /** Bytes held between pushes: an unfinished packet plus the pending access unit. */
  get bufferedBytes(): number {
    return this.head.length + (this.partial?.data.length ?? 0) + (this.au?.size ?? 0);
  }

  /** stream_id → codec, from the PSM or from probing. */
  get streams(): ReadonlyMap<number, Codec> {
    return this.streamCodecs;
  }

  /**
   * Feeds program stream bytes. `rtpTimestamp` (when the bytes are an RTP payload) lets a
   * timestamp change close the pending frame, as GB28181 packs one frame per RTP timestamp.
   * The demuxer keeps views of `data` until the frame it belongs to is complete: the caller must
   * not overwrite it afterwards (a fresh datagram or framer output each time).
   */
  push(data: Uint8Array, rtpTimestamp?: number): Frame[] {
    const bytes = asBuffer(data);
    if (rtpTimestamp !== undefined && this.lastRtpTimestamp !== undefined && rtpTimestamp !== this.lastRtpTimestamp) {
      this.completeVideo();
      this.closeUnbounded();
      if ((this.partial !== undefined || this.head.length > 0) && startsWithPsPacket(bytes)) this.dropPartialPacket();
    }
    if (rtpTimestamp !== undefined) this.lastRtpTimestamp = rtpTimestamp;
    this.consume(bytes);
    return this.take();
  }

  /**
   * Feeds one RTP payload from a caller that reports sequence gaps through `discontinuity()`.
   * A payload made only of whole audio PES (optionally behind a pack header) is demuxed on its
   * own: cameras send audio in RTP packets of their own timestamp, between frames and even between
   * the packets of one video frame, so it must neither close the pending frame nor be taken for
   * its missing bytes. The marker bit of any other payload ends the frame.
   */
  pushRtp(payload: Uint8Array, timestamp: number, marker: boolean): Frame[] {
    const bytes = asBuffer(payload);
    if (isWholeAudioPayload(bytes)) {
      for (let offset = 0, end = 0; offset < bytes.length; offset = end) {
        end = offset + packetLength(bytes, offset);
        this.handlePacket(bytes.subarray(offset, end), timestamp);
      }
      return this.take();
    }
    const frames = this.push(bytes, timestamp);
    if (marker) frames.push(...this.endFrame());
    return frames;
  }

  /** The RTP marker bit ended a frame: emit the pending video access unit now. */
  endFrame(): Frame[] {
    this.completeVideo();
    this.closeUnbounded();
    return this.take();
  }

  /** Input was lost (RTP sequence gap): drop the partial packet and the damaged frame. */
  discontinuity(): void {
    this.dropPartialPacket();
    this.head = EMPTY;
    this.unbounded = undefined;
    if (this.au !== undefined) this.stats.droppedFrames++;
    this.au = undefined;
    this.awaitVideoPts = this.videoCarriesPts;
  }

  private take(): Frame[] {
    const frames = this.out;
    this.out = [];
    return frames;
  }

  private dropPartialPacket(): void {
    if (this.partial === undefined && this.head.length === 0) return;
    this.partial = undefined;
    this.head = EMPTY;
    this.stats.truncatedPackets++;
  }

  /** The frame ended, so does an unbounded PES; bytes held back in case they began a start code were trailing zeros. */
  private closeUnbounded(): void {
    if (this.unbounded === undefined) return;
    this.unbounded = undefined;
    this.head = EMPTY;
  }

  private consume(data: Buffer): void {
    const queue: Buffer[] = [data];
    for (let chunk = queue.shift(); chunk !== undefined; chunk = queue.shift()) {
      let offset = 0;
      if (this.partial !== undefined) {
        const partial = this.partial;
        const take = Math.min(partial.data.length - partial.filled, chunk.length);
        chunk.copy(partial.data, partial.filled, 0, take);
        partial.filled += take;
        offset = take;
        if (partial.filled < partial.data.length) continue;
        this.partial = undefined;
        const resume = this.handlePacket(partial.data);
        if (resume !== undefined) {
          queue.unshift(resume, chunk.subarray(offset));
          continue;
        }
      }
      const resume = this.scan(chunk.subarray(offset));
      if (resume !== undefined) queue.unshift(...resume);
    }
  }

  /** Parses whole packets out of `data`; returns bytes to re-scan if a packet turned out truncated. */
  private scan(data: Buffer): Buffer[] | undefined {
    const work = this.head.length > 0 ? Buffer.concat([this.head, data]) : data;
    this.head = EMPTY;
    let offset = this.unbounded === undefined ? 0 : this.continueUnbounded(work, 0);
    while (offset < work.length) {
      const start = work.indexOf(START_CODE_PREFIX, offset);
      if (start < 0) {
        const keep = Math.max(offset, work.length - 2);
        this.stats.garbageBytes += keep - offset;
        this.head = Buffer.from(work.subarray(keep));
        return undefined;
      }
      this.stats.garbageBytes += start - offset;
      const measure = measurePsPacket(work, start);
      if (measure.kind === "need-more") {
        this.head = Buffer.from(work.subarray(start));
        return undefined;
      }
      if (measure.kind === "invalid") {
        this.stats.garbageBytes++;
        offset = start + 1;
        continue;
      }
      if (measure.kind === "unbounded") {
        const payloadStart = start + 9 + (work[start + 8] ?? 0xff);
        if (start + 9 > work.length || payloadStart + UNBOUNDED_PROBE_BYTES > work.length) {
          this.head = Buffer.from(work.subarray(start));
          return undefined;
        }
        offset = this.openUnbounded(work, start, payloadStart);
        continue;
      }
      const end = start + measure.length;
      if (end > work.length) {
        const data = Buffer.allocUnsafe(measure.length);
        const filled = work.copy(data, 0, start);
        this.partial = { data, filled };
        return undefined;
      }
      const resume = this.handlePacket(work.subarray(start, end));
      if (resume !== undefined) return [resume, work.subarray(end)];
      offset = end;
    }
    return undefined;
  }

  /** Starts a video PES with PES_packet_length 0 at `start`; returns where scanning resumes. */
  private openUnbounded(work: Buffer, start: number, payloadStart: number): number {
    const header = parsePes(work.subarray(start, payloadStart));
    if (header === undefined) {
      this.stats.malformedPackets++;
      return start + 4;
    }
    this.stats.pesPackets++;
    this.unbounded = { streamId: header.streamId, pts: header.pts, dts: header.dts };
    return this.continueUnbounded(work, payloadStart);
  }

  /**
   * Hands the unbounded PES its payload up to the next start code, in place (no copy). Returns
   * where that start code is, or the end of `work` after holding back a possible split start code.
   */
  private continueUnbounded(work: Buffer, from: number): number {
    const end = findPsStartCode(work, from);
    const payloadEnd = end >= 0 ? end : work.length - startCodePrefixTail(work, from);
    const pes = this.unbounded!;
    if (payloadEnd > from) {
      this.handleVideo({ streamId: pes.streamId, pts: pes.pts, dts: pes.dts, payload: work.subarray(from, payloadEnd) });
      pes.pts = pes.dts = undefined;
    }
    if (end >= 0) {
      this.unbounded = undefined;
      return end;
    }
    if (payloadEnd < work.length) this.head = Buffer.from(work.subarray(payloadEnd));
    return work.length;
  }

  /**
   * Returns the tail to re-scan when the packet is found to contain the start of the next pack.
   * `rtpTimestamp` stands in for a missing audio PTS; it defaults to that of the frame in progress.
   */
  private handlePacket(packet: Buffer, rtpTimestamp = this.lastRtpTimestamp): Buffer | undefined {
    const code = packet[3]!;
    if (code === PackStartCode) {
      this.stats.packs++;
      return undefined;
    }
    if (code === ProgramEndCode || code === SystemHeaderCode || code === StreamId.Padding) return undefined;
    if (code === StreamId.ProgramStreamMap) {
      this.handlePsm(packet);
      return undefined;
    }
    if (!isVideoStreamId(code) && !isAudioStreamId(code)) {
      this.stats.unknownStreamIds++;
      if (isPrivateStreamId(code)) this.stats.privateStreamPackets++;
      return undefined;
    }
    const pes = parsePes(packet);
    if (pes === undefined) {
      this.stats.malformedPackets++;
      return undefined;
    }
    this.stats.pesPackets++;
    if (isAudioStreamId(code)) {
      this.handleAudio(pes, rtpTimestamp);
      return undefined;
    }
    // 00 00 01 BA cannot occur inside H.264/H.265 data (0xBA has forbidden_zero_bit set), so
    // it means this PES lost its tail and swallowed the next pack.
    const packStart = pes.payload.indexOf(PACK_START);
    if (packStart >= 0) {
      this.stats.truncatedPackets++;
      // A damaged first PES of a new frame leaves the pending frame intact.
      if (pes.pts !== undefined && pes.pts !== this.au?.pts) this.completeVideo();
      this.discontinuity();
      return Buffer.from(pes.payload.subarray(packStart));
    }
    this.handleVideo(pes);
    return undefined;
  }

  private handlePsm(packet: Buffer): void {
    const entries = parsePsm(packet);
    if (entries === undefined) {
      this.stats.malformedPackets++;
      return;
    }
    for (const { streamId, streamType } of entries) {
      const codec = codecOfStreamType(streamType);
      if (codec !== undefined) {
        this.streamCodecs.set(streamId, codec);
        this.foreignStreams.delete(streamId);
      } else if (isVideoStreamId(streamId) || isAudioStreamId(streamId)) {
        this.streamCodecs.delete(streamId);
        this.foreignStreams.add(streamId);
      }
    }
  }

  private handleVideo(pes: PesPacket): void {
    if (this.foreignStreams.has(pes.streamId)) {
      this.stats.unknownStreamIds++;
      return;
    }
    // The first NAL header outranks the PSM, which some cameras fill with 0x1B for H.265.
    const probed = probeVideoCodec(pes.payload);
    if (probed !== undefined) this.streamCodecs.set(pes.streamId, probed);
    const codec = probed ?? this.streamCodecs.get(pes.streamId);
    if (codec !== "H264" && codec !== "H265") {
      this.stats.unknownStreamIds++;
      return;
    }
    if (pes.pts !== undefined) {
      this.videoCarriesPts = true;
      this.awaitVideoPts = false;
      if (this.au !== undefined && (pes.pts !== this.au.pts || codec !== this.au.codec)) this.completeVideo();
    } else if (this.awaitVideoPts) {
      return;
    }
    if (this.au === undefined) {
      const pts = pes.pts ?? this.lastRtpTimestamp ?? this.lastVideoPts;
      this.au = { codec, pts, dts: pes.dts ?? pts, parts: [], size: 0, overflowed: false };
    }
    const au = this.au;
    if (au.overflowed) return;
    if (au.size + pes.payload.length > this.maxFrameBytes) {
      au.overflowed = true;
      au.parts = [];
      this.stats.oversizedFrames++;
      return;
    }
    // A view, not a copy: the input buffers are not reused (see push()), and completeVideo() copies once.
    au.parts.push(pes.payload);
    au.size += pes.payload.length;
  }

  private completeVideo(): void {
    const au = this.au;
    this.au = undefined;
    if (au === undefined || au.overflowed || au.size === 0) return;
    const data = Buffer.concat(au.parts, au.size);
    const nals = splitAnnexB(data);
    if (nals.length === 0) {
      this.stats.malformedPackets++;
      return;
    }
    if (this.parameterSets?.codec !== au.codec) this.parameterSets = new ParameterSetCache(au.codec);
    this.parameterSets.update(nals);
    this.lastVideoPts = au.pts;
    this.emit({ kind: "video", codec: au.codec, pts: au.pts, dts: au.dts, data, keyframe: videoCodecTraits[au.codec].isKeyframe(nals), nalus: nals });
  }

  private handleAudio(pes: PesPacket, rtpTimestamp: number | undefined): void {
    const codec = this.streamCodecs.get(pes.streamId);
    if (codec !== "AAC" && codec !== "G711A" && codec !== "G711U") {
      this.stats.unknownStreamIds++;
      return;
    }
    if (pes.payload.length === 0) return;
    const pts = pes.pts ?? rtpTimestamp ?? this.lastAudioPts;
    this.lastAudioPts = pts;
    if (codec !== "AAC") {
      this.emitAudio(codec, pts, Buffer.from(pes.payload));
      return;
    }
    const frames = splitAdtsFrames(pes.payload);
    if (frames.length === 0) {
      this.stats.malformedPackets++;
      return;
    }
    frames.forEach((frame, i) => {
      const sampleRate = parseAdtsHeader(frame)!.sampleRate;
      const offset = Math.round((i * AAC_SAMPLES_PER_FRAME * 90000) / sampleRate);
      this.emitAudio("AAC", wrapPts(pts + offset), Buffer.from(frame));
    });
  }

  private emitAudio(codec: AudioCodec, pts: number, data: Buffer): void {
    this.emit({ kind: "audio", codec, pts, dts: pts, data, keyframe: true });
  }

  private emit(frame: Frame): void {
    this.stats.frames++;
    this.out.push(frame);
  }
}

/**
 * A new RTP timestamp whose payload opens with a PS start code (≥ 0xB9; NAL headers inside
 * video data are < 0x80) means the packet still being assembled lost its tail.
 */
function startsWithPsPacket(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 1 && bytes[3]! >= ProgramEndCode;
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Length of the complete packet at `offset`, or 0 if there is none. */
function packetLength(bytes: Buffer, offset: number): number {
  const measure = measurePsPacket(bytes, offset);
  return measure.kind === "packet" ? measure.length : 0;
}

/** Bytes that are exactly whole packets, at least one an audio PES, the rest pack headers or padding. */
function isWholeAudioPayload(bytes: Buffer): boolean {
  let hasAudio = false;
  for (let offset = 0, length = 0; offset < bytes.length; offset += length) {
    length = packetLength(bytes, offset);
    if (length === 0 || offset + length > bytes.length) return false;
    const code = bytes[offset + 3]!;
    if (isAudioStreamId(code)) hasAudio = true;
    else if (code !== PackStartCode && code !== StreamId.Padding) return false;
  }
  return hasAudio;
}
