import { spawn, type ChildProcess } from "node:child_process";
import type { Readable, Writable } from "node:stream";

export interface FfmpegLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface FfmpegOptions {
  args: readonly string[];
  cwd: string;
  /** Extra input pipes beyond stdin: fd 3, 4, … (ffmpeg reads them as pipe:3, …). */
  extraInputPipes: number;
  /** Pipe stdout (`pipe:1`) to us: the output is streamed rather than written to files. */
  output?: boolean;
  logger: FfmpegLogger;
  /** Logged with every stderr line, e.g. `{ streamId }`. */
  context: object;
  onExit(code: number | null, signal: NodeJS.Signals | null): void;
  binary?: string;
}

/** How many stderr bytes of an unfinished line are kept (ffmpeg progress lines end in \r). */
const MAX_LINE = 4096;

/** One ffmpeg child process: inputs are pipes we write, stderr goes to the log line by line. */
export class FfmpegProcess {
  private readonly child: ChildProcess;
  private exited = false;

  constructor(private readonly options: FfmpegOptions) {
    const stdio: Array<"pipe" | "ignore"> = ["pipe", options.output === true ? "pipe" : "ignore", "pipe", ...Array.from({ length: options.extraInputPipes }, () => "pipe" as const)];
    this.child = spawn(options.binary ?? "ffmpeg", ["-hide_banner", "-nostdin", "-loglevel", "warning", ...options.args], { cwd: options.cwd, stdio });
    this.child.on("error", (err) => options.logger.warn({ ...options.context, err: err.message }, "ffmpeg could not start"));
    this.child.on("exit", (code, signal) => {
      this.exited = true;
      options.onExit(code, signal);
    });
    for (let fd = 0; fd < stdio.length; fd++) {
      if (fd === 1 || fd === 2) continue;
      // EPIPE after ffmpeg died is reported by the exit handler; it must not crash the relay.
      (this.child.stdio[fd] as Writable | null)?.on("error", () => undefined);
    }
    let partial = "";
    this.child.stderr?.setEncoding("utf8");
    this.child.stderr?.on("data", (text: string) => {
      const lines = (partial + text).split(/[\r\n]+/);
      partial = (lines.pop() ?? "").slice(-MAX_LINE);
      for (const line of lines) if (line.trim() !== "") options.logger.warn({ ...options.context, ffmpeg: line }, "ffmpeg");
    });
  }

  /** The writable end of input pipe `fd` (0 = stdin). */
  input(fd: number): Writable | undefined {
    return (this.child.stdio[fd] as Writable | null) ?? undefined;
  }

  /** stdout, when `output` was asked for. */
  output(): Readable | undefined {
    return this.child.stdout ?? undefined;
  }

  get running(): boolean {
    return !this.exited;
  }

  /** Ends it now (its reader left): nothing it would still write is wanted. */
  kill(): void {
    if (!this.exited) this.child.kill("SIGKILL");
  }

  /** Closes the inputs (ffmpeg finishes its output), then kills it if it lingers. */
  stop(graceMs = 2000): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      this.child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      for (let fd = 0; fd < this.child.stdio.length; fd++) if (fd !== 1 && fd !== 2) (this.child.stdio[fd] as Writable | null)?.end();
    });
  }
}
