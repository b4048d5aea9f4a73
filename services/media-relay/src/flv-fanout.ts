import { FlvMuxer, type FlvTag, type Frame } from "@ivc/media";
import { GopCache } from "./gop-cache.js";

/**
 * How a viewer is let go: `end` is a normal end of stream (HTTP body ends, WS close 1000),
 * `going-away` a stream that failed or a relay that stops (WS 1001), `abort` drops the connection
 * at once (a slow viewer) instead of closing it politely.
 */
export type ViewerClose = "end" | "going-away" | "abort";

/** One FLV consumer (an HTTP response or a WebSocket); the fan-out never waits for it. */
export interface FlvViewer {
  readonly protocol: "http-flv" | "ws-flv" | "rtmp";
  write(chunk: Buffer): void;
  /** Bytes accepted by write() but not yet handed to the kernel. */
  readonly bufferedBytes: number;
  close(reason: string, how: ViewerClose): void;
  onClose(listener: () => void): void;
}

export interface FlvFanoutOptions {
  /** A viewer whose unsent bytes exceed this is dropped, so a slow link never delays the others. */
  maxViewerBufferBytes: number;
  gopCacheBytes: number;
  /** Whether the stream carries audio (from the PSM), fixed in the FLV header. */
  hasAudio: boolean;
  onBytesOut(bytes: number): void;
  onViewerDropped(viewer: FlvViewer, reason: string): void;
}

/** Demuxed frames → one FlvMuxer → every viewer, with a GOP cache for late joiners. */
export class FlvFanout {
  private readonly muxer: FlvMuxer;
  private readonly gop: GopCache<FlvTag>;
  private readonly viewers = new Set<FlvViewer>();

  constructor(private readonly options: FlvFanoutOptions) {
    this.muxer = new FlvMuxer({ audio: options.hasAudio });
    this.gop = new GopCache((tag) => tag.data.length, options.gopCacheBytes);
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** True once the FLV header and sequence headers can be built (the first SPS/PPS arrived). */
  get ready(): boolean {
    return this.muxer.init() !== undefined && this.gop.snapshot().length > 0;
  }

  push(frame: Frame): void {
    for (const tag of this.muxer.push(frame)) {
      // Sequence headers are part of init() for later viewers; only live ones need them inline.
      if (!tag.sequenceHeader) this.gop.push(tag, tag.kind === "video" && tag.keyframe);
      for (const viewer of this.viewers) this.send(viewer, tag.data);
    }
  }

  /** Sends init + the cached GOP at once; returns the bytes sent (0 when not ready). */
  add(viewer: FlvViewer): number {
    const init = this.muxer.init();
    if (init === undefined) return 0;
    const burst = Buffer.concat([init, ...this.gop.snapshot().map((tag) => tag.data)]);
    this.viewers.add(viewer);
    viewer.onClose(() => this.viewers.delete(viewer));
    viewer.write(burst);
    this.options.onBytesOut(burst.length);
    return burst.length;
  }

  closeAll(reason: string, how: ViewerClose): void {
    for (const viewer of [...this.viewers]) viewer.close(reason, how);
    this.viewers.clear();
  }

  private send(viewer: FlvViewer, data: Buffer): void {
    if (viewer.bufferedBytes > this.options.maxViewerBufferBytes) {
      this.viewers.delete(viewer);
      const reason = `slow viewer: ${viewer.bufferedBytes} bytes unsent`;
      viewer.close(reason, "abort");
      this.options.onViewerDropped(viewer, reason);
      return;
    }
    viewer.write(data);
    this.options.onBytesOut(data.length);
  }
}
