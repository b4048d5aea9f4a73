import type { DesiredRecording } from "@ivc/bus";
import { TsSegmenter, type Frame, type TsSegment } from "@ivc/media";
import type { Logger } from "@ivc/runtime";
import type { SegmentSink } from "./segment-sink.js";
import { segmentKey, type SegmentStorage } from "./storage/segment-storage.js";

export type RecordingState = "scheduled" | "recording" | "retrying";

/** One recorded channel's state, as the operator endpoint shows it. */
export interface RecordingStatus {
  deviceId: string;
  channelId: string;
  streamId: string;
  planId: string;
  state: RecordingState;
  /** Why it is retrying, or the last storage failure while recording. */
  reason?: string;
  lastSegmentEndMs?: number;
  segmentsStored: number;
  /** Bytes stored by this process today in the site's zone (RECORD_TIME_ZONE); a restarted relay counts from its start. */
  bytesToday: number;
}

export interface ChannelRecordingDeps {
  sink: SegmentSink;
  storage: SegmentStorage;
  segmentMs: number;
  /** RECORD_TIME_ZONE in minutes east of UTC: the day `bytesToday` counts. */
  utcOffsetMinutes: number;
  logger: Logger;
  now(): number;
}

const TICKS_PER_MS = 90;
const DAY_MS = 86_400_000;

/**
 * Frames of one channel's stream → MPEG-TS segments → the sink. Segment times are wall time at
 * the stream's first keyframe plus the frames' own timestamps since; each new stream (after a
 * device drop) is anchored anew, so a gap shows as a gap. A download from the device's own
 * recording is anchored at the time its first picture was filmed instead (`begin(filmedAtMs)`),
 * so however fast it arrives its segments land where they belong on the timeline.
 */
export class ChannelRecording {
  private segmenter: TsSegmenter | undefined;
  private anchor: { ticks: number; wallMs: number } | undefined;
  private filmedAtMs: number | undefined;
  private wantAudio = false;
  private segmenterHasAudio = false;
  private day = -1;
  readonly status: RecordingStatus;

  constructor(
    public desired: DesiredRecording,
    private readonly deps: ChannelRecordingDeps,
  ) {
    const { deviceId, channelId, streamId, planId } = desired;
    this.status = { deviceId, channelId, streamId, planId, state: "scheduled", segmentsStored: 0, bytesToday: 0 };
  }

  /** A new stream starts: segments restart at its first keyframe, which was filmed at `filmedAtMs` (default: now). */
  begin(filmedAtMs?: number): void {
    this.end();
    this.anchor = undefined;
    this.filmedAtMs = filmedAtMs;
    this.segmenter = undefined;
    this.status.state = "recording";
    delete this.status.reason;
  }

  push(frame: Frame): void {
    if (frame.kind === "audio" && frame.codec === "AAC" && !this.wantAudio) this.wantAudio = true;
    if (frame.kind === "video" && frame.keyframe && this.segmenter !== undefined && this.wantAudio && !this.segmenterHasAudio) {
      // AAC showed up after the first segment began: start carrying it from this keyframe.
      this.close(this.segmenter.flush());
      this.segmenter = undefined;
    }
    if (this.segmenter === undefined) {
      if (frame.kind !== "video" || !frame.keyframe) return;
      this.segmenter = new TsSegmenter({ targetDurationMs: this.deps.segmentMs, ...(this.wantAudio ? { audio: "AAC" as const } : {}) });
      this.segmenterHasAudio = this.wantAudio;
    }
    const closed = this.segmenter.push(frame);
    if (this.anchor === undefined && this.segmenter.lastTicks !== undefined) this.anchor = { ticks: this.segmenter.lastTicks, wallMs: this.filmedAtMs ?? this.deps.now() };
    if (closed !== undefined) this.close(closed);
  }

  /** The stream ended (device drop, schedule over, relay stopping): the open segment is stored. */
  end(): void {
    const last = this.segmenter?.flush();
    this.segmenter = undefined;
    if (last !== undefined) this.close(last);
  }

  retrying(reason: string): void {
    this.status.state = "retrying";
    this.status.reason = reason;
  }

  private close(segment: TsSegment | undefined): void {
    if (segment === undefined || this.anchor === undefined) return;
    const startMs = Math.round(this.anchor.wallMs + (segment.startTicks - this.anchor.ticks) / TICKS_PER_MS);
    const endMs = Math.round(this.anchor.wallMs + (segment.endTicks - this.anchor.ticks) / TICKS_PER_MS);
    if (endMs <= startMs) return;
    const { deviceId, channelId, planId, transitionDays, expirationDays } = this.desired;
    const objectKey = segmentKey(deviceId, channelId, startMs, endMs);
    const report = { deviceId, channelId, planId, startMs, endMs, bytes: segment.data.length, storage: this.deps.storage.kind, objectKey, transitionDays, expirationDays };
    this.deps.sink.enqueue(
      { report, data: segment.data },
      {
        stored: (stored) => {
          const day = Math.floor((stored.startMs + this.deps.utcOffsetMinutes * 60_000) / DAY_MS);
          if (day !== this.day) {
            this.day = day;
            this.status.bytesToday = 0;
          }
          this.status.bytesToday += stored.bytes;
          this.status.segmentsStored++;
          this.status.lastSegmentEndMs = stored.endMs;
          if (this.status.state === "recording") delete this.status.reason;
        },
        failed: (_report, stage, message) => {
          this.status.reason = `${stage}: ${message}`;
        },
      },
    );
  }
}
