import type { Logger } from "pino";

type Closer = () => unknown;

/**
 * Runs the registered closers in reverse order of registration on SIGINT/SIGTERM (or when
 * `shutdown()` is called), once, then exits. A closer that hangs is cut off after `graceMs`
 * so a stop never leaves a half-dead process behind.
 */
export class Lifecycle {
  private readonly closers: Array<{ name: string; close: Closer }> = [];
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly graceMs = 10_000,
  ) {}

  onClose(name: string, close: Closer): void {
    this.closers.push({ name, close });
  }

  installSignalHandlers(): void {
    const stop = (signal: string) => {
      this.logger.info({ signal }, "stopping");
      void this.shutdown(0);
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  }

  shutdown(exitCode: number | undefined = undefined): Promise<void> {
    this.stopping ??= this.closeAll().then(() => {
      if (exitCode !== undefined) {
        this.logger.flush?.();
        process.exit(exitCode);
      }
    });
    return this.stopping;
  }

  private async closeAll(): Promise<void> {
    const deadline = setTimeout(() => {
      this.logger.error({ graceMs: this.graceMs }, "shutdown took too long, exiting");
      process.exit(1);
    }, this.graceMs);
    deadline.unref();
    for (const { name, close } of [...this.closers].reverse()) {
      try {
        await close();
      } catch (err) {
        this.logger.warn({ err, closer: name }, "error while closing");
      }
    }
    clearTimeout(deadline);
  }
}
