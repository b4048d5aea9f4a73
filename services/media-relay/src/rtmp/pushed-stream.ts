import { join } from "node:path";
import { FlvDemuxer, isAmf0Object, type Amf0Value, type AudioCodec, type FlvTagData } from "@ivc/media";
import type { Logger } from "@ivc/runtime";
import { FlvFanout, type FlvViewer } from "../flv-fanout.js";
import { HlsOutput } from "../hls-output.js";
import type { RelayMetrics } from "../metrics.js";

export interface PushedStreamSettings {
  maxViewerBufferBytes: number;
  gopCacheBytes: number;
  hlsRoot: string;
  ffmpegBinary?: string;
}

/**
 * A stream an RTMP device publishes: its audio/video messages go through the FLV demuxer into
 * the same Frame pipeline as GB streams (FLV fan-out with GOP cache, HLS on demand). When the
 * publisher leaves, every viewer is closed at once — node-media-server leaves players hanging on
 * a dead stream, which players then show as a frozen picture.
 */
export class PushedStream {
  private readonly demuxer = new FlvDemuxer();
  private fanout: FlvFanout | undefined;
  private hls: HlsOutput | undefined;
  private audioCodec: AudioCodec | undefined;
  /** onMetaData said the stream has audio; otherwise audio seen before the first video decides. */
  private announcedAudio = false;
  private ended = false;
  private readonly waiters = new Set<{ resolve(fanout: FlvFanout): void; reject(err: Error): void }>();
  bytesIn = 0;

  constructor(
    readonly app: string,
    readonly streamId: string,
    readonly deviceId: string | undefined,
    private readonly settings: PushedStreamSettings,
    private readonly logger: Logger,
    private readonly metrics: RelayMetrics,
  ) {}

  get viewerCount(): number {
    return this.fanout?.viewerCount ?? 0;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get hlsDir(): string | undefined {
    return this.hls === undefined ? undefined : join(this.settings.hlsRoot, this.streamId);
  }

  get demuxStats(): FlvDemuxer["stats"] {
    return this.demuxer.stats;
  }

  /** `@setDataFrame`/`onMetaData` from the publisher (only whether audio follows matters). */
  metadata(values: readonly Amf0Value[]): void {
    const meta = values.find(isAmf0Object);
    if (meta !== undefined && (meta.audiocodecid !== undefined || meta.audiodatarate !== undefined)) this.announcedAudio = true;
  }

  push(tag: FlvTagData): void {
    if (this.ended) return;
    this.bytesIn += tag.body.length;
    this.metrics.traffic.bytesIn += tag.body.length;
    for (const frame of this.demuxer.push(tag)) {
      if (frame.kind === "audio") {
        this.audioCodec = frame.codec;
        this.announcedAudio = true;
      }
      if (this.fanout === undefined) {
        if (frame.kind !== "video") continue;
        this.fanout = new FlvFanout({
          hasAudio: this.announcedAudio,
          maxViewerBufferBytes: this.settings.maxViewerBufferBytes,
          gopCacheBytes: this.settings.gopCacheBytes,
          onBytesOut: (bytes) => (this.metrics.traffic.bytesOut += bytes),
          onViewerDropped: (viewer, reason) => {
            this.metrics.droppedViewers.inc();
            this.logger.warn({ streamId: this.streamId, protocol: viewer.protocol }, reason);
          },
        });
      }
      this.fanout.push(frame);
      this.hls?.push(frame);
      if (this.fanout.ready) for (const waiter of this.waiters) waiter.resolve(this.fanout);
      if (this.fanout.ready) this.waiters.clear();
    }
  }

  /** Resolves once a keyframe can be served. */
  whenReady(timeoutMs: number): Promise<void> {
    if (this.ended) return Promise.reject(new Error("stream ended"));
    if (this.fanout?.ready) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err: Error) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no keyframe from the publisher within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  addViewer(viewer: FlvViewer): boolean {
    if (this.ended || this.fanout === undefined || this.fanout.add(viewer) === 0) return false;
    this.metrics.viewers.inc({ protocol: viewer.protocol });
    viewer.onClose(() => this.metrics.viewers.dec({ protocol: viewer.protocol }));
    return true;
  }

  /** The first HLS request starts ffmpeg; returns the playlist path, undefined before video. */
  async hlsPlaylist(): Promise<string | undefined> {
    const codec = this.demuxer.videoCodec;
    if (this.ended || codec === undefined) return undefined;
    if (this.hls === undefined) {
      this.hls = new HlsOutput({
        streamId: this.streamId,
        dir: join(this.settings.hlsRoot, this.streamId),
        video: codec,
        audio: this.audioCodec,
        frameRate: 25,
        logger: this.logger,
        onCrash: (detail, willRestart) => this.logger.error({ streamId: this.streamId, willRestart }, detail),
        ...(this.settings.ffmpegBinary !== undefined ? { ffmpegBinary: this.settings.ffmpegBinary } : {}),
      });
      await this.hls.start();
    }
    return this.hls.playlistPath;
  }

  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    for (const waiter of this.waiters) waiter.reject(new Error(`stream ended: ${reason}`));
    this.waiters.clear();
    this.fanout?.closeAll(reason, "end");
    void this.hls?.stop();
  }
}
