import type { Frame, VideoCodec } from "../frame.js";
import { PTS_MODULUS, wrapPts } from "../frame.js";
import { TsMuxer } from "./ts-muxer.js";

export interface TsSegmenterOptions {
  /** A segment is cut at the first keyframe at least this long after its start. */
  targetDurationMs: number;
  /** Carry AAC audio (G.711 is not recorded: docs/architecture.md, cloud recording). */
  audio?: "AAC";
}

/** One closed segment: MPEG-TS bytes starting with PAT/PMT and a keyframe. */
export interface TsSegment {
  /** Unwrapped 90 kHz DTS of its first frame and of the frame after its last (the next segment's start). */
  startTicks: number;
  endTicks: number;
  data: Buffer;
  videoCodec: VideoCodec;
  frames: number;
}

const TICKS_PER_MS = 90;
/** A gap between pictures above this is not a frame interval (the last segment's end is estimated from one). */
const MAX_FRAME_TICKS = 500 * TICKS_PER_MS;
const DEFAULT_FRAME_TICKS = 40 * TICKS_PER_MS;

/**
 * Cuts a stream of timestamped frames into MPEG-TS segments on keyframes. Durations come from
 * the frames' DTS (a camera stall stays in the timeline), never from a frame rate. Frames before
 * the first keyframe are dropped: nothing could decode them.
 */
export class TsSegmenter {
  private muxer: TsMuxer | undefined;
  private codec: VideoCodec | undefined;
  private parts: Buffer[] = [];
  private startTicks = 0;
  private frames = 0;
  private lastRaw: number | undefined;
  private unwrapped = 0;
  private lastVideoTicks: number | undefined;
  private frameTicks = DEFAULT_FRAME_TICKS;

  constructor(private readonly options: TsSegmenterOptions) {}

  /** Bytes of the open segment so far. */
  get pendingBytes(): number {
    return this.parts.reduce((sum, part) => sum + part.length, 0);
  }

  /** The unwrapped DTS a frame would get, for callers that map ticks to wall time. */
  get lastTicks(): number | undefined {
    return this.lastVideoTicks;
  }

  /** Adds a frame; returns the segment it closed, if it started a new one. */
  push(frame: Frame): TsSegment | undefined {
    const ticks = this.unwrap(frame.dts);
    if (frame.kind === "audio") {
      if (this.muxer !== undefined) this.append(this.muxer.frame(frame));
      return undefined;
    }
    let closed: TsSegment | undefined;
    if (frame.keyframe) {
      const due = this.muxer !== undefined && (ticks - this.startTicks >= this.options.targetDurationMs * TICKS_PER_MS || frame.codec !== this.codec);
      if (due) closed = this.close(ticks);
      if (this.muxer === undefined) this.open(frame.codec, ticks);
    }
    if (this.muxer === undefined) return undefined;
    if (this.lastVideoTicks !== undefined) {
      const interval = ticks - this.lastVideoTicks;
      if (interval > 0 && interval <= MAX_FRAME_TICKS) this.frameTicks = interval;
    }
    this.lastVideoTicks = ticks;
    this.append(this.muxer.frame(frame));
    this.frames++;
    return closed;
  }

  /** Closes the open segment (stream ended); its end is one picture interval after its last picture. */
  flush(): TsSegment | undefined {
    if (this.muxer === undefined || this.lastVideoTicks === undefined) return undefined;
    return this.close(this.lastVideoTicks + this.frameTicks);
  }

  private open(codec: VideoCodec, ticks: number): void {
    const muxer = new TsMuxer({ video: codec, ...(this.options.audio !== undefined ? { audio: this.options.audio } : {}) });
    this.muxer = muxer;
    this.codec = codec;
    this.startTicks = ticks;
    this.frames = 0;
    this.parts = [muxer.header()];
  }

  private close(endTicks: number): TsSegment {
    const segment: TsSegment = { startTicks: this.startTicks, endTicks, data: Buffer.concat(this.parts), videoCodec: this.codec!, frames: this.frames };
    this.muxer = undefined;
    this.parts = [];
    return segment;
  }

  private append(bytes: Buffer): void {
    if (bytes.length > 0) this.parts.push(bytes);
  }

  /** 33-bit DTS → a continuous count (a step of up to 2^32 ticks either way is read as such). */
  private unwrap(dts: number): number {
    const raw = wrapPts(dts);
    if (this.lastRaw === undefined) this.unwrapped = raw;
    else {
      let delta = wrapPts(raw - this.lastRaw);
      if (delta > PTS_MODULUS / 2) delta -= PTS_MODULUS;
      this.unwrapped += delta;
    }
    this.lastRaw = raw;
    return this.unwrapped;
  }
}
