import { join } from "node:path";
import { PsRtpReceiver, type AudioCodec, type Frame, type VideoCodec } from "@ivc/media";
import type { Logger } from "@ivc/runtime";
import { FlvFanout, type FlvViewer, type ViewerClose } from "./flv-fanout.js";
import { HlsOutput } from "./hls-output.js";
import { openTcpActiveIngest, openTcpPassiveIngest, openUdpIngest, type IngestHandlers, type MediaTransport, type RtpIngest } from "./ingest.js";
import type { MediaLease } from "./lease-store.js";
import type { RelayMetrics } from "./metrics.js";
import { PlayError } from "./play-error.js";
import type { PlayTimeline } from "./play-timeline.js";
import { SsrcGate } from "./ssrc-gate.js";
import type { StreamKind } from "./ssrc.js";
import { TimestampRebaser } from "./timestamp-rebaser.js";

export interface SessionSettings {
  bindHost: string;
  silenceMs: number;
  noViewerMs: number;
  maxViewerBufferBytes: number;
  gopCacheBytes: number;
  hlsRoot: string;
  ffmpegBinary?: string;
}

/** The recording a playback or download stream plays, epoch ms (the INVITE's `t=`). */
export interface PlaybackRange {
  startMs: number;
  endMs: number;
  /** Downloads: how many times faster than real time the device sends (`a=downloadspeed`). */
  speed?: number;
}

export interface StreamSessionInit {
  streamId: string;
  channelId: string;
  kind: StreamKind;
  transport: MediaTransport;
  /** Playback streams end when the device's timestamps pass `endMs`. */
  playback?: PlaybackRange;
  lease: MediaLease;
  timeline: PlayTimeline;
  settings: SessionSettings;
  logger: Logger;
  metrics: RelayMetrics;
  /** Called once when the stream ends, with a PlayError when it failed. */
  onEnd(session: StreamSession, reason: PlayError | string): void;
}

export interface DeviceAnswer {
  callId?: string;
  deviceSsrc?: string;
  deviceIp?: string;
  devicePort?: number;
}

const AUDIO_CODECS = new Set<string>(["AAC", "G711A", "G711U"]);
/** A device timestamp leaping further ahead of the wall clock than this is a seek, not a burst. */
const MAX_TIMESTAMP_LEAP_MS = 2000;

/** Why a playback ends by itself: the device's timestamps passed the requested end. */
const PLAYBACK_END_REACHED = "playback reached its end";
/** Why signaling ended a playback or download the device finished (media.close with `endOfFile`). */
export const END_OF_FILE = "end of file (MediaStatus 121)";

/**
 * One stream: ingest (UDP / TCP passive / TCP active) → SSRC gate → RTP reorder + PS demux →
 * timestamp rebasing → FLV fan-out and, on demand, HLS. It watches itself on `tick()`: no RTP,
 * undecodable PS, silence mid-stream (not while a playback is paused) and no viewers end it; a
 * playback also ends when the device's timestamps pass its end.
 */
export class StreamSession {
  readonly streamId: string;
  readonly channelId: string;
  readonly kind: StreamKind;
  readonly transport: MediaTransport;
  readonly lease: MediaLease;
  readonly timeline: PlayTimeline;
  callId: string | undefined;
  private ingest: RtpIngest | undefined;
  private readonly gate: SsrcGate;
  private readonly receiver = new PsRtpReceiver({ reorder: { window: 64, maxLatencyMs: 100 } });
  private readonly rebaser = new TimestampRebaser({ maxLeapMs: MAX_TIMESTAMP_LEAP_MS });
  private fanout: FlvFanout | undefined;
  private hls: HlsOutput | undefined;
  private videoCodec: VideoCodec | undefined;
  private audioCodec: AudioCodec | undefined;
  private ended = false;
  private endedBy: PlayError | string | undefined;
  private answered = false;
  private paused = false;
  private readonly readyPromise: Promise<FlvFanout>;
  private resolveReady!: (fanout: FlvFanout) => void;
  private rejectReady!: (err: PlayError) => void;
  private isReady = false;
  /** The "no RTP" clock starts at open and restarts at the answer (the device sends after its 200 OK). */
  private rtpClockStart = Date.now();
  private firstPacketAt: number | undefined;
  private lastPacketAt: number | undefined;
  private lastAudienceAt = Date.now();
  private waitingViewers = 0;
  private bytesInAtRate = 0;
  private lastRateAt = Date.now();
  private reportedLost = 0;
  private reportedForeign = 0;
  private totalBytesIn = 0;
  /** A poll of the reorder buffer at its own deadline, so a held stream start or gap does not wait for the tick. */
  private pollTimer: NodeJS.Timeout | undefined;
  private pollTimerDueAt = 0;
  /** Frame consumers beside the FLV fan-out (the recorder), after timestamp rebasing. */
  private readonly frameTaps = new Set<(frame: Frame) => void>();

  private constructor(private readonly init: StreamSessionInit) {
    this.streamId = init.streamId;
    this.channelId = init.channelId;
    this.kind = init.kind;
    this.transport = init.transport;
    this.lease = init.lease;
    this.timeline = init.timeline;
    this.gate = new SsrcGate(init.lease.ssrc);
    this.readyPromise = new Promise<FlvFanout>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // Failure is also delivered through end(); a session nobody waits on must not leak a rejection.
    this.readyPromise.catch(() => undefined);
  }

  /** Binds the leased port for UDP and TCP passive; TCP active connects once the answer names the device. */
  static async open(init: StreamSessionInit): Promise<StreamSession> {
    const session = new StreamSession(init);
    const { bindHost } = init.settings;
    if (init.transport === "udp") session.ingest = await openUdpIngest(bindHost, init.lease.port, session.handlers);
    else if (init.transport === "tcp-passive") session.ingest = await openTcpPassiveIngest(bindHost, init.lease.port, session.handlers);
    return session;
  }

  get state(): "waiting" | "playing" | "ended" {
    return this.ended ? "ended" : this.isReady ? "playing" : "waiting";
  }

  get stats(): { bytesIn: number; ssrc: { accepted: number; foreign: number }; receiver: PsRtpReceiver["stats"] } {
    return { bytesIn: this.totalBytesIn, ssrc: { accepted: this.gate.stats.accepted, foreign: this.gate.stats.foreign }, receiver: this.receiver.stats };
  }

  get playback(): PlaybackRange | undefined {
    return this.init.playback;
  }

  /** Why the stream ended (undefined while it runs): a PlayError when it failed. */
  get endReason(): PlayError | string | undefined {
    return this.endedBy;
  }

  /** A playback or download that ended because its recording was all sent, not cut short. */
  get reachedEnd(): boolean {
    return this.endedBy === PLAYBACK_END_REACHED || this.endedBy === END_OF_FILE;
  }

  /** Where the playback is in the recording (epoch ms), from the device's timestamps. */
  get playbackPositionMs(): number | undefined {
    const range = this.init.playback;
    return range === undefined ? undefined : range.startMs + this.rebaser.sourceElapsedMs;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get viewerCount(): number {
    return this.fanout?.viewerCount ?? 0;
  }

  private readonly handlers: IngestHandlers = {
    packet: (packet) => this.onPacket(packet),
    problem: (message) => this.init.logger.warn({ streamId: this.streamId }, message),
  };

  answer(answer: DeviceAnswer): boolean {
    if (this.ended) return false;
    if (answer.callId !== undefined) this.callId = answer.callId;
    if (answer.deviceSsrc !== undefined && answer.deviceSsrc !== this.lease.ssrc) {
      // GB devices often answer with their own y= SSRC; it is the one they will send.
      this.gate.acceptDeviceSsrc(answer.deviceSsrc);
      this.init.logger.info({ streamId: this.streamId, offered: this.lease.ssrc, device: answer.deviceSsrc }, "device answered with its own SSRC; accepted");
    }
    if (this.transport === "tcp-active" && this.ingest === undefined) {
      if (answer.deviceIp === undefined || answer.devicePort === undefined) return false;
      this.ingest = openTcpActiveIngest(answer.deviceIp, answer.devicePort, this.handlers);
    }
    this.answered = true;
    this.rtpClockStart = Date.now();
    this.timeline.mark("answer", answer.deviceSsrc !== undefined ? `device SSRC ${answer.deviceSsrc}` : undefined);
    return true;
  }

  /**
   * A paused playback sends no RTP (GB/T 28181-2016 Appendix B PAUSE): the "no RTP" watchdog
   * holds while paused and its clock restarts on resume. Viewers stay; late ones get the GOP cache.
   */
  setPaused(paused: boolean): void {
    if (this.ended || this.paused === paused) return;
    this.paused = paused;
    if (!paused) {
      const now = Date.now();
      this.rtpClockStart = now;
      if (this.lastPacketAt !== undefined) this.lastPacketAt = now;
    }
    this.init.logger.info({ streamId: this.streamId, positionMs: this.playbackPositionMs }, paused ? "playback paused" : "playback resumed");
  }

  /** Resolves with the fan-out once a keyframe can be served; rejects with the stage that failed. */
  whenReady(timeoutMs: number): Promise<FlvFanout> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.stuckStage()), timeoutMs);
    });
    return Promise.race([this.readyPromise, timeout]).finally(() => clearTimeout(timer));
  }

  /** Keeps the stream from the no-viewer close while a viewer waits for it to start. */
  holdForViewer(): () => void {
    this.waitingViewers++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.waitingViewers--;
      this.lastAudienceAt = Date.now();
    };
  }

  /** Every frame from now on, as viewers get it; returns the detach. */
  tapFrames(tap: (frame: Frame) => void): () => void {
    this.frameTaps.add(tap);
    return () => this.frameTaps.delete(tap);
  }

  addViewer(viewer: FlvViewer): boolean {
    const fanout = this.fanout;
    if (this.ended || fanout === undefined || fanout.add(viewer) === 0) return false;
    this.timeline.mark("first-byte", viewer.protocol);
    this.init.metrics.viewers.inc({ protocol: viewer.protocol });
    viewer.onClose(() => {
      this.init.metrics.viewers.dec({ protocol: viewer.protocol });
      this.lastAudienceAt = Date.now();
    });
    return true;
  }

  /** An HLS request counts as audience; the first one starts ffmpeg. Returns the playlist path. */
  async hlsPlaylist(): Promise<string | undefined> {
    this.lastAudienceAt = Date.now();
    if (this.hls === undefined) {
      if (this.videoCodec === undefined || this.ended) return undefined;
      this.hls = new HlsOutput({
        streamId: this.streamId,
        dir: join(this.init.settings.hlsRoot, this.streamId),
        video: this.videoCodec,
        audio: this.audioCodec,
        frameRate: this.receiver.demuxer.videoParameters?.frameRate ?? 25,
        logger: this.init.logger,
        onCrash: (detail, willRestart) => this.init.logger.error({ streamId: this.streamId, willRestart }, detail),
        ...(this.init.settings.ffmpegBinary !== undefined ? { ffmpegBinary: this.init.settings.ffmpegBinary } : {}),
      });
      await this.hls.start();
    }
    return this.hls.playlistPath;
  }

  get hlsDir(): string | undefined {
    return this.hls === undefined ? undefined : join(this.init.settings.hlsRoot, this.streamId);
  }

  /** Periodic work: reorder timeouts, watchdogs, metrics. */
  tick(now: number): void {
    if (this.ended) return;
    if (this.receiver.heldPackets > 0) this.deliver(this.receiver.poll(now), now);
    this.flushMetrics(now);
    if (this.ended) return;
    const { silenceMs, noViewerMs } = this.init.settings;
    if (this.paused) {
      if (this.viewerCount === 0 && this.waitingViewers === 0 && now - this.lastAudienceAt > noViewerMs) this.end("no viewer");
      return;
    }
    if (this.lastPacketAt === undefined) {
      if (now - this.rtpClockStart > silenceMs) this.end(this.noMediaError(silenceMs));
      return;
    }
    if (!this.isReady && this.firstPacketAt !== undefined && now - this.firstPacketAt > silenceMs) {
      this.end(this.undecodableError());
      return;
    }
    if (now - this.lastPacketAt > silenceMs) {
      this.end(new PlayError("no RTP", `no RTP for ${silenceMs} ms mid-stream (last packet ${new Date(this.lastPacketAt).toISOString()})`));
      return;
    }
    if (this.viewerCount === 0 && this.waitingViewers === 0 && now - this.lastAudienceAt > noViewerMs) this.end("no viewer");
  }

  /**
   * Ends the stream once. Viewers hear a normal end of stream for an ordinary end (WS close 1000)
   * and "going away" (1001) when it failed or the relay stops.
   */
  end(reason: PlayError | string, viewersHear: ViewerClose = reason instanceof PlayError ? "going-away" : "end"): void {
    if (this.ended) return;
    this.ended = true;
    this.endedBy = reason;
    const error = reason instanceof PlayError ? reason : new PlayError("closed", `stream closed: ${reason}`);
    this.rejectReady(error);
    clearTimeout(this.pollTimer);
    this.ingest?.close();
    this.fanout?.closeAll(error.message, viewersHear);
    void this.hls?.stop();
    this.flushMetrics(Date.now());
    this.init.metrics.bitrate.remove({ stream: this.streamId });
    if (reason instanceof PlayError) {
      this.timeline.mark("failed", `${reason.stage}: ${reason.message}`);
      this.timeline.end(reason.stage);
    } else {
      this.timeline.mark("closed", reason);
      this.timeline.end(reason);
    }
    this.init.onEnd(this, reason);
  }

  private onPacket(packet: Buffer): void {
    if (this.ended) return;
    this.totalBytesIn += packet.length;
    this.init.metrics.traffic.bytesIn += packet.length;
    if (!this.gate.admits(packet)) return;
    const now = Date.now();
    if (this.firstPacketAt === undefined) {
      this.firstPacketAt = now;
      this.timeline.mark("first-rtp", this.transport);
    }
    this.lastPacketAt = now;
    this.deliver(this.receiver.push(packet, now), now);
    this.schedulePoll();
  }

  private schedulePoll(): void {
    const due = this.receiver.pollDueAtMs;
    if (due === undefined || this.ended || (this.pollTimer !== undefined && this.pollTimerDueAt <= due)) return;
    clearTimeout(this.pollTimer);
    this.pollTimerDueAt = due;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      if (this.ended) return;
      const now = Date.now();
      this.deliver(this.receiver.poll(now), now);
      this.schedulePoll();
    }, Math.max(0, due - Date.now()));
  }

  private deliver(frames: readonly Frame[], now: number): void {
    for (const source of frames) {
      if (this.ended) return;
      const frame = this.rebaser.push(source, now);
      if (frame === undefined) continue;
      for (const tap of this.frameTaps) tap(frame);
      if (frame.kind === "video") this.videoCodec = frame.codec;
      else this.audioCodec = frame.codec;
      if (this.fanout === undefined) {
        // The FLV header fixes whether audio follows. GB devices send the PSM, which lists the audio,
        // with keyframes; a stream joined mid-GOP (e.g. packets before the answer's SSRC was known)
        // would otherwise be announced video-only and its audio dropped for good.
        if (frame.kind !== "video" || !frame.keyframe) continue;
        const hasAudio = this.audioCodec !== undefined || [...this.receiver.demuxer.streams.values()].some((codec) => AUDIO_CODECS.has(codec));
        this.fanout = new FlvFanout({
          hasAudio,
          maxViewerBufferBytes: this.init.settings.maxViewerBufferBytes,
          gopCacheBytes: this.init.settings.gopCacheBytes,
          onBytesOut: (bytes) => (this.init.metrics.traffic.bytesOut += bytes),
          onViewerDropped: (viewer, reason) => {
            this.init.metrics.droppedViewers.inc();
            this.init.logger.warn({ streamId: this.streamId, protocol: viewer.protocol }, reason);
          },
        });
      }
      if (frame.kind === "video" && frame.keyframe) this.timeline.mark("first-keyframe", `${frame.codec}`);
      this.fanout.push(frame);
      this.hls?.push(frame);
      if (!this.isReady && this.fanout.ready) {
        this.isReady = true;
        this.resolveReady(this.fanout);
      }
      if (frame.kind === "video") this.checkPlaybackEnd();
    }
  }

  /** Ends a playback by its timestamps, not only by the device's MediaStatus 121, which some never send. */
  private checkPlaybackEnd(): void {
    const position = this.playbackPositionMs;
    const range = this.init.playback;
    if (position === undefined || range === undefined || position <= range.endMs) return;
    this.init.logger.info({ streamId: this.streamId, positionMs: position, endMs: range.endMs }, "playback passed its end");
    this.end(PLAYBACK_END_REACHED);
  }

  private flushMetrics(now: number): void {
    const m = this.init.metrics;
    if (now - this.lastRateAt < 1000) return;
    m.bitrate.set({ stream: this.streamId }, Math.round(((this.totalBytesIn - this.bytesInAtRate) * 8 * 1000) / (now - this.lastRateAt)));
    this.bytesInAtRate = this.totalBytesIn;
    this.lastRateAt = now;
    const lost = this.receiver.stats.reorder.lost;
    if (lost > this.reportedLost) m.rtpLost.inc(lost - this.reportedLost);
    this.reportedLost = lost;
    const foreign = this.gate.stats.foreign;
    if (foreign > this.reportedForeign) m.foreignSsrcPackets.inc(foreign - this.reportedForeign);
    this.reportedForeign = foreign;
  }

  private noMediaError(waitedMs: number): PlayError {
    const { foreign, lastForeignSsrc } = this.gate.stats;
    if (foreign > 0) {
      const seen = String(lastForeignSsrc).padStart(10, "0");
      return new PlayError("SSRC mismatch", `${foreign} RTP packets arrived with SSRC ${seen}, expected ${this.lease.ssrc}; none matched`);
    }
    return new PlayError("no RTP", `no RTP on ${this.transport} port ${this.lease.port} within ${waitedMs} ms`);
  }

  private undecodableError(): PlayError {
    const { demux, packets } = this.receiver.stats;
    return new PlayError(
      "undecodable PS",
      `${packets} RTP packets but no decodable keyframe (PS packs ${demux.packs}, frames ${demux.frames}, garbage bytes ${demux.garbageBytes}, malformed ${demux.malformedPackets})`,
    );
  }

  /** What a viewer's wait timed out on. */
  private stuckStage(): PlayError {
    if (this.ended) return new PlayError("closed", "stream ended");
    if (!this.answered) return new PlayError("signaling timeout", "the device's answer to the INVITE did not arrive");
    if (this.lastPacketAt === undefined) return this.noMediaError(Date.now() - this.rtpClockStart);
    return this.undecodableError();
  }
}
