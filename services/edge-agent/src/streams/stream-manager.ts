import type { Logger } from "@ivc/runtime";
import { FfmpegPush } from "./ffmpeg-push.js";

/** The running pushes, one per channel; starting a running channel keeps it (idempotent). */
export class StreamManager {
  private readonly pushes = new Map<string, FfmpegPush>();

  constructor(
    private readonly options: {
      ffmpegPath: string;
      logger: Logger;
      onBytes: (bytes: number) => void;
      restartDelayMs?: (attempt: number) => number;
    },
  ) {}

  running(): string[] {
    return [...this.pushes.keys()];
  }

  pidOf(channelId: string): number | undefined {
    return this.pushes.get(channelId)?.pid;
  }

  start(channelId: string, inputUrl: string, pushUrl: string): boolean {
    if (this.pushes.has(channelId)) return false;
    const push = new FfmpegPush({
      ffmpegPath: this.options.ffmpegPath,
      inputUrl,
      pushUrl,
      logger: this.options.logger.child({ channelId }),
      onBytes: this.options.onBytes,
      ...(this.options.restartDelayMs ? { restartDelayMs: this.options.restartDelayMs } : {}),
    });
    this.pushes.set(channelId, push);
    push.start();
    return true;
  }

  async stop(channelId: string): Promise<boolean> {
    const push = this.pushes.get(channelId);
    if (!push) return false;
    this.pushes.delete(channelId);
    await push.stop();
    return true;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.running().map((id) => this.stop(id)));
  }
}
