import { PTS_MODULUS, wrapPts, type Frame } from "@ivc/media";

export interface TimestampRebaserOptions {
  /**
   * A video timestamp that runs ahead of the wall clock by more than this since the previous
   * picture is a jump (a seek forward), not a burst after a network stall or a faster scale.
   */
  maxLeapMs: number;
}

export interface TimestampRebaserStats {
  discontinuities: number;
  /** Pictures dropped after a jump until the next keyframe (they reference pictures from before it). */
  droppedAwaitingKeyframe: number;
  /** Audio from a timeline the video has not been anchored to yet, or going backwards. */
  droppedAudio: number;
}

const TICKS_PER_MS = 90;
/** A picture interval beyond this is a gap, not a frame rate (below 2 fps). */
const MAX_FRAME_TICKS = 500 * TICKS_PER_MS;
const DEFAULT_FRAME_TICKS = 40 * TICKS_PER_MS;
/**
 * Steps back this small are reordered pictures, not a seek: cameras that omit the PES DTS of
 * B-frames (ISO 13818-1 §2.4.3.7 requires it when it differs) give decode-order PTS as DTS.
 */
const REORDER_TOLERANCE_TICKS = 500 * TICKS_PER_MS;

/**
 * Keeps a stream's timestamps continuous for players while the device's clock jumps: a playback
 * seek (GB/T 28181-2016 Appendix B `Range`) moves the device's PTS backward or forward, a pause
 * stops it, a camera restart resets it. Each jump is cut out: the first keyframe after it
 * continues one picture after the last output, and the pictures between the jump and that
 * keyframe are dropped since they cannot be decoded without the pictures before the jump.
 * A pause needs nothing: the device's clock resumes where it stopped. PTS−DTS (B-frames) is kept.
 */
export class TimestampRebaser {
  /** Added to the unwrapped source DTS to get the output DTS (90 kHz ticks). */
  private offset = 0;
  private lastRaw: number | undefined;
  private unwrapped = 0;
  private firstVideoSource: number | undefined;
  private lastVideoSource: number | undefined;
  private lastVideoWallMs = 0;
  private lastVideoOut: number | undefined;
  private lastAudioOut: number | undefined;
  private frameTicks = DEFAULT_FRAME_TICKS;
  private awaitingKeyframe = false;
  readonly stats: TimestampRebaserStats = { discontinuities: 0, droppedAwaitingKeyframe: 0, droppedAudio: 0 };

  constructor(private readonly options: TimestampRebaserOptions) {}

  /**
   * How far the device's own clock moved from its first picture to its latest one, in ms
   * (negative after a seek before the start). A playback's position is its start plus this.
   */
  get sourceElapsedMs(): number {
    if (this.firstVideoSource === undefined || this.lastVideoSource === undefined) return 0;
    return (this.lastVideoSource - this.firstVideoSource) / TICKS_PER_MS;
  }

  /** The frame with continuous timestamps, or undefined when it is dropped. */
  push(frame: Frame, wallMs: number): Frame | undefined {
    const source = this.unwrap(frame.dts);
    return frame.kind === "video" ? this.pushVideo(frame, source, wallMs) : this.pushAudio(frame, source);
  }

  private pushVideo(frame: Frame, source: number, wallMs: number): Frame | undefined {
    this.firstVideoSource ??= source;
    const previous = this.lastVideoSource;
    if (previous !== undefined) {
      const delta = source - previous;
      const wallTicks = Math.max(0, wallMs - this.lastVideoWallMs) * TICKS_PER_MS;
      if (delta < -REORDER_TOLERANCE_TICKS || delta > wallTicks + this.options.maxLeapMs * TICKS_PER_MS) {
        this.stats.discontinuities++;
        this.awaitingKeyframe = true;
      } else if (delta > 0 && delta <= MAX_FRAME_TICKS) {
        this.frameTicks = delta;
      }
    }
    this.lastVideoSource = source;
    this.lastVideoWallMs = wallMs;
    if (this.awaitingKeyframe) {
      if (!frame.keyframe) {
        this.stats.droppedAwaitingKeyframe++;
        return undefined;
      }
      this.awaitingKeyframe = false;
      this.offset = (this.lastVideoOut ?? source) + this.frameTicks - source;
    }
    const out = Math.max(source + this.offset, this.lastVideoOut ?? -Infinity);
    this.lastVideoOut = out;
    return this.retimed(frame, out);
  }

  private pushAudio(frame: Frame, source: number): Frame | undefined {
    const out = source + this.offset;
    const video = this.lastVideoOut;
    const stale = this.lastAudioOut !== undefined && out < this.lastAudioOut;
    const foreign = video !== undefined && Math.abs(out - video) > this.options.maxLeapMs * TICKS_PER_MS;
    if (stale || foreign || this.awaitingKeyframe) {
      this.stats.droppedAudio++;
      return undefined;
    }
    this.lastAudioOut = out;
    return this.retimed(frame, out);
  }

  private retimed(frame: Frame, dts: number): Frame {
    let composition = wrapPts(frame.pts - frame.dts);
    if (composition > PTS_MODULUS / 2) composition -= PTS_MODULUS;
    return { ...frame, dts: wrapPts(dts), pts: wrapPts(dts + composition) };
  }

  /** 33-bit PTS → a continuous count; a jump of up to 2^32 ticks (13 h) either way is read as such. */
  private unwrap(dts: number): number {
    const raw = wrapPts(dts);
    if (this.lastRaw !== undefined) {
      let delta = wrapPts(raw - this.lastRaw);
      if (delta > PTS_MODULUS / 2) delta -= PTS_MODULUS;
      this.unwrapped += delta;
    } else {
      this.unwrapped = raw;
    }
    this.lastRaw = raw;
    return this.unwrapped;
  }
}
