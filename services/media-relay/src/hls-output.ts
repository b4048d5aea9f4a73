import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { AudioCodec, Frame, VideoCodec } from "@ivc/media";
import { FfmpegProcess, type FfmpegLogger } from "./ffmpeg.js";

export interface HlsOutputOptions {
  streamId: string;
  /** Segments and the playlist live here; the directory is removed when the output stops. */
  dir: string;
  video: VideoCodec;
  audio: AudioCodec | undefined;
  frameRate: number;
  logger: FfmpegLogger;
  /** ffmpeg died without being asked; `willRestart` is false once restarts are exhausted. */
  onCrash(detail: string, willRestart: boolean): void;
  ffmpegBinary?: string;
}

const PLAYLIST = "index.m3u8";
/** Past this many unsent bytes ffmpeg is not keeping up: frames are skipped until the next keyframe. */
const MAX_PIPE_BACKLOG = 8 * 1024 * 1024;
const MAX_RESTARTS = 5;
const RESTART_DELAY_MS = 500;

const audioInput: Record<AudioCodec, string[]> = {
  G711A: ["-f", "alaw", "-ar", "8000", "-ac", "1"],
  G711U: ["-f", "mulaw", "-ar", "8000", "-ac", "1"],
  AAC: ["-f", "aac"],
};

/**
 * HLS by ffmpeg fed our demuxed elementary streams (video Annex-B on stdin, audio on pipe:3):
 * Debian's ffmpeg cannot read G.711 inside PS, so it never sees the PS. Video is copied; G.711 is
 * transcoded to AAC as MPEG-TS segments cannot carry it.
 */
export class HlsOutput {
  private process: FfmpegProcess | undefined;
  private stopped = false;
  /** The output directory being made; stop() waits for it, so it cannot outlive the output. */
  private making: Promise<unknown> | undefined;
  private restarts = 0;
  private awaitingKeyframe = true;

  constructor(private readonly options: HlsOutputOptions) {}

  get playlistPath(): string {
    return join(this.options.dir, PLAYLIST);
  }

  async start(): Promise<void> {
    this.making = mkdir(this.options.dir, { recursive: true });
    await this.making;
    // The stream may have ended meanwhile: an ffmpeg started now would wait on its stdin forever.
    if (!this.stopped) this.spawn();
  }

  push(frame: Frame): void {
    const proc = this.process;
    if (proc === undefined || !proc.running) return;
    if (frame.kind === "video") {
      if (this.awaitingKeyframe && !frame.keyframe) return;
      const stdin = proc.input(0);
      if (stdin === undefined) return;
      if (stdin.writableLength > MAX_PIPE_BACKLOG) {
        this.awaitingKeyframe = true;
        return;
      }
      this.awaitingKeyframe = false;
      stdin.write(frame.data);
    } else if (this.options.audio === frame.codec && !this.awaitingKeyframe) {
      const pipe = proc.input(3);
      if (pipe !== undefined && pipe.writableLength <= MAX_PIPE_BACKLOG) pipe.write(frame.data);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.making?.catch(() => undefined);
    await this.process?.stop();
    await rm(this.options.dir, { recursive: true, force: true });
  }

  private spawn(): void {
    const { streamId, audio, video, frameRate } = this.options;
    const args = [
      "-probesize", "32", "-analyzeduration", "0", "-fflags", "+genpts",
      "-f", video === "H264" ? "h264" : "hevc", "-framerate", String(frameRate), "-i", "pipe:0",
      ...(audio !== undefined ? [...audioInput[audio], "-i", "pipe:3"] : []),
      "-map", "0:v", "-c:v", "copy",
      ...(audio !== undefined ? ["-map", "1:a", ...(audio === "AAC" ? ["-c:a", "copy"] : ["-c:a", "aac", "-b:a", "32k"])] : []),
      "-f", "hls", "-hls_time", "1", "-hls_list_size", "6", "-hls_flags", "delete_segments",
      "-hls_segment_filename", "seg%05d.ts", PLAYLIST,
    ];
    this.awaitingKeyframe = true;
    this.process = new FfmpegProcess({
      args,
      cwd: this.options.dir,
      extraInputPipes: audio !== undefined ? 1 : 0,
      logger: this.options.logger,
      context: { streamId, output: "hls" },
      ...(this.options.ffmpegBinary !== undefined ? { binary: this.options.ffmpegBinary } : {}),
      onExit: (code, signal) => {
        if (this.stopped) return;
        const willRestart = ++this.restarts <= MAX_RESTARTS;
        this.options.onCrash(`ffmpeg exited (code ${code}, signal ${signal}); restart ${this.restarts} of ${MAX_RESTARTS}`, willRestart);
        if (willRestart) setTimeout(() => !this.stopped && this.spawn(), RESTART_DELAY_MS).unref();
      },
    });
  }
}

/**
 * The playlist as served: each segment name carries the playlist request's query (`search`, with
 * its leading `?`), so a segment is authorized by the same `sign` (and names the same device and
 * sub stream) as its playlist; players resolve the names relative to the playlist and keep the query.
 */
export function playlistWithQuery(text: string, search: string): string {
  return search === "" || search === "?" ? text : text.replace(/^(seg\d+\.ts)$/gm, `$1${search}`);
}
