import { spawn, type ChildProcess } from "node:child_process";
import type { Logger } from "@ivc/runtime";
import { ffmpegPushArgs, progressTotalSize, redactUrl } from "./ffmpeg-args.js";

export interface FfmpegPushOptions {
  ffmpegPath: string;
  inputUrl: string;
  pushUrl: string;
  logger: Logger;
  /** Called with the bytes written since the last call. */
  onBytes: (bytes: number) => void;
  restartDelayMs?: (attempt: number) => number;
  /** Silence from the camera that makes ffmpeg give up (then it is restarted); default 10 s. */
  inputTimeoutMs?: number;
}

/** Wait before restart number `attempt` (from 1): 1 s doubling to at most 30 s. */
export function restartBackoffMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.min(attempt - 1, 5));
}

/** A run longer than this counts as healthy: the next crash restarts quickly again. */
const STABLE_RUN_MS = 30_000;
const MAX_LINE = 2000;

/**
 * One channel's pull+push: ffmpeg restarted with backoff when it dies (camera reboot, relay
 * restart), its stderr logged with the channel id, stopped on request.
 */
export class FfmpegPush {
  private child: ChildProcess | undefined;
  private stopped = false;
  private attempts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly restartDelayMs: (attempt: number) => number;

  constructor(private readonly options: FfmpegPushOptions) {
    this.restartDelayMs = options.restartDelayMs ?? restartBackoffMs;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const { logger } = this.options;
    const startedAt = Date.now();
    const child = spawn(this.options.ffmpegPath, ffmpegPushArgs(this.options.inputUrl, this.options.pushUrl, this.options.inputTimeoutMs), { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    logger.info({ childPid: child.pid, input: redactUrl(this.options.inputUrl), push: redactUrl(this.options.pushUrl) }, "ffmpeg started");
    let written = 0;
    let progressTail = "";
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      const lines = (progressTail + chunk).split("\n");
      progressTail = (lines.pop() ?? "").slice(-MAX_LINE);
      for (const line of lines) {
        const total = progressTotalSize(line);
        if (total !== undefined && total > written) {
          this.options.onBytes(total - written);
          written = total;
        }
      }
    });
    let errTail = "";
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      const lines = (errTail + chunk).split("\n");
      errTail = (lines.pop() ?? "").slice(-MAX_LINE);
      for (const line of lines) if (line.trim() !== "") logger.warn({ ffmpeg: redactUrl(line.slice(0, MAX_LINE)) }, "ffmpeg");
    });
    child.once("error", (err) => logger.error({ err: err.message }, "ffmpeg could not start"));
    child.once("close", (code, signal) => {
      if (this.stopped) return;
      this.attempts = Date.now() - startedAt > STABLE_RUN_MS ? 1 : this.attempts + 1;
      const delay = this.restartDelayMs(this.attempts);
      logger.warn({ code, signal, restartInMs: delay, attempt: this.attempts }, "ffmpeg exited; restarting");
      this.restartTimer = setTimeout(() => {
        if (!this.stopped) this.start();
      }, delay);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await closed;
    clearTimeout(timer);
  }
}
