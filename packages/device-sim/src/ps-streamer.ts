import { PsMuxer, RtpPacketizer, type Frame } from "@ivc/media";
import { alawSine } from "./g711.js";
import type { MediaSink } from "./media-sink.js";
import type { VideoSource } from "./video-source.js";

export interface PsStreamerOptions {
  source: VideoSource;
  frameRate: number;
  /** Mux a G.711A sine track into the PS (GB/T 28181-2016 Annex C stream type 0x90). */
  audio: boolean;
  /** SSRC in the RTP header. */
  ssrc: number;
  sink: MediaSink;
  /** Pictures in the stream (a playback's range × frameRate); unbounded (looped live) when absent. */
  pictureLimit?: number;
  /** Called once after the last picture of `pictureLimit` went out; nothing is sent after it. */
  onEnd?: () => void;
  /** The starting scale (a download's `a=downloadspeed`). Default 1. */
  scale?: number;
}

const VIDEO_CLOCK = 90_000;
const AUDIO_RATE = 8000;
/** A plausible start, far from the 33-bit wrap; receivers must not assume zero. */
const FIRST_TIMESTAMP = 90_000;
/** Beyond this many unsent bytes (a slow TCP reader), pictures are skipped until the next keyframe. */
const MAX_BACKLOG_BYTES = 2 * 1024 * 1024;

/**
 * Sends the looped source as PS over RTP (GB/T 28181-2016 Annex C), one picture per frame
 * interval with its audio, paced on the wall clock (a late timer is caught up, not drifted).
 *
 * Picture i carries timestamp FIRST_TIMESTAMP + i/frameRate seconds: its position in the stream
 * (for a playback, seconds from the requested start). A playback can pause, seek (the position
 * jumps, so do the timestamps; pictures up to the next keyframe are skipped as a recorder does)
 * and change scale: scale s sends s × frameRate pictures per wall-clock second, every picture
 * still one frame interval of position apart, so timestamps run s times faster than the wall
 * clock and no picture is dropped.
 */
export class PsStreamer {
  private readonly muxer: PsMuxer;
  private readonly packetizer: RtpPacketizer;
  private timer: NodeJS.Timeout | undefined;
  /** Wall time and picture index the pacing counts from (reset by pause, seek and scale). */
  private startedAt = 0;
  private anchorIndex = 0;
  private scale = 1;
  private paused = false;
  private index = 0;
  private skippingToKeyframe = false;
  private sent = 0;

  constructor(private readonly options: PsStreamerOptions) {
    if (!(options.frameRate > 0 && options.frameRate <= 120)) throw new RangeError(`frameRate must be in (0, 120], got ${options.frameRate}`);
    // The PSM names the video's stream type (GB/T 28181-2016 Annex C: 0x1B H.264, 0x24 H.265).
    this.muxer = new PsMuxer({ video: options.source.codec, ...(options.audio ? { audio: "G711A" as const } : {}) });
    this.packetizer = new RtpPacketizer({ ssrc: options.ssrc, initialSequenceNumber: Math.floor(Math.random() * 0x10000) });
    if (options.scale !== undefined) {
      if (!(options.scale > 0 && Number.isFinite(options.scale))) throw new RangeError(`scale must be positive, got ${options.scale}`);
      this.scale = options.scale;
    }
  }

  get packetsSent(): number {
    return this.sent;
  }

  /** Position of the next picture, in pictures from the stream's start. */
  get picturesSent(): number {
    return this.index;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.restartPacing();
    this.tick();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.startedAt = -1;
  }

  pause(): void {
    if (this.startedAt < 0 || this.paused) return;
    this.paused = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Resumes after pause (a no-op when running). */
  resume(): void {
    if (this.startedAt < 0 || !this.paused) return;
    this.paused = false;
    this.restartPacing();
    this.tick();
  }

  /** Continues from picture `index` (clamped to the limit), decodable from the next keyframe on. */
  seek(index: number): void {
    if (this.startedAt < 0) return;
    this.index = Math.max(0, Math.min(Math.floor(index), this.options.pictureLimit ?? Infinity));
    this.skippingToKeyframe = true;
    this.rearm();
  }

  setScale(scale: number): void {
    if (!(scale > 0 && Number.isFinite(scale))) throw new RangeError(`scale must be positive, got ${scale}`);
    if (this.startedAt < 0) return;
    this.scale = scale;
    this.rearm();
  }

  private rearm(): void {
    if (this.paused) return;
    clearTimeout(this.timer);
    this.restartPacing();
    this.tick();
  }

  private restartPacing(): void {
    this.startedAt = Date.now();
    this.anchorIndex = this.index;
  }

  private tick(): void {
    if (this.startedAt < 0 || this.paused) return;
    const interval = 1000 / (this.options.frameRate * this.scale);
    const due = this.anchorIndex + Math.floor((Date.now() - this.startedAt) / interval) + 1;
    const limit = this.options.pictureLimit ?? Infinity;
    while (this.index < due && this.index < limit && this.startedAt >= 0) this.sendPicture();
    if (this.startedAt < 0) return;
    if (this.index >= limit) {
      this.stop();
      this.options.onEnd?.();
      return;
    }
    const next = this.startedAt + (this.index - this.anchorIndex) * interval;
    this.timer = setTimeout(() => this.tick(), Math.max(1, next - Date.now()));
  }

  private sendPicture(): void {
    const { source, frameRate } = this.options;
    const i = this.index++;
    const picture = source.pictures[i % source.pictures.length];
    if (picture === undefined) return;
    if (this.options.sink.backlogBytes > MAX_BACKLOG_BYTES) this.skippingToKeyframe = true;
    if (this.skippingToKeyframe && !picture.keyframe) return;
    this.skippingToKeyframe = false;
    const ts = FIRST_TIMESTAMP + Math.round((i * VIDEO_CLOCK) / frameRate);
    this.emit({ kind: "video", codec: source.codec, pts: ts, dts: ts, data: picture.data, keyframe: picture.keyframe }, ts);
    if (!this.options.audio) return;
    const first = Math.round((i * AUDIO_RATE) / frameRate);
    const count = Math.round(((i + 1) * AUDIO_RATE) / frameRate) - first;
    const audioTs = FIRST_TIMESTAMP + Math.round((first * VIDEO_CLOCK) / AUDIO_RATE);
    this.emit({ kind: "audio", codec: "G711A", pts: audioTs, dts: audioTs, data: alawSine(first, count), keyframe: true }, audioTs);
  }

  private emit(frame: Frame, timestamp: number): void {
    for (const packet of this.packetizer.packetize(this.muxer.mux(frame), timestamp)) {
      this.options.sink.send(packet);
      this.sent++;
    }
  }
}
