import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { Logger } from "@ivc/runtime";

/** One box service as the tree runs it: `main` is relative to the tree's base (the `current` link). */
export interface TreeService {
  name: string;
  version: string;
  main: string;
  healthPort: number;
  healthPortEnv?: string;
}

export type HealthOutcome = { ok: true } | { ok: false; reason: string };

interface Running {
  service: TreeService;
  child: ChildProcess | undefined;
  /** Unexpected exits since the service was (re)started by request: a rising count is a crash loop. */
  crashes: number;
  lastExit: string;
  stopping: boolean;
  restartTimer: NodeJS.Timeout | undefined;
}

export interface ServiceTreeOptions {
  /** Directory `main` paths are resolved against at each spawn, e.g. `<root>/current`. */
  baseDir: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Delay before restart number `n` (from 1) of a crashed service. */
  restartDelayMs?: (n: number) => number;
  stopGraceMs?: number;
}

const MAX_LOG_LINE = 4000;

/**
 * The box's services as child processes of the agent: started through the `current` link (so a
 * restart after a switch runs the new version), restarted with backoff when they crash, and
 * health-checked by GET /healthz on their port. Nothing else in the agent spawns services.
 */
export class ServiceTree {
  private readonly running = new Map<string, Running>();
  private readonly restartDelayMs: (n: number) => number;

  constructor(private readonly options: ServiceTreeOptions) {
    this.restartDelayMs = options.restartDelayMs ?? ((n) => Math.min(30_000, 500 * 2 ** Math.min(n - 1, 6)));
  }

  names(): string[] {
    return [...this.running.keys()];
  }

  versionOf(name: string): string | undefined {
    return this.running.get(name)?.service.version;
  }

  pidOf(name: string): number | undefined {
    return this.running.get(name)?.child?.pid;
  }

  start(service: TreeService): void {
    if (this.running.has(service.name)) throw new Error(`service ${service.name} is already in the tree`);
    const entry: Running = { service, child: undefined, crashes: 0, lastExit: "", stopping: false, restartTimer: undefined };
    this.running.set(service.name, entry);
    this.spawn(entry);
  }

  async stop(name: string): Promise<void> {
    const entry = this.running.get(name);
    if (!entry) return;
    this.running.delete(name);
    entry.stopping = true;
    clearTimeout(entry.restartTimer);
    await this.terminate(entry.child);
  }

  /** Stops the service and starts `service` (possibly a new version) in its place. */
  async restart(service: TreeService): Promise<void> {
    await this.stop(service.name);
    this.start(service);
  }

  async stopAll(): Promise<void> {
    for (const name of [...this.running.keys()].reverse()) await this.stop(name);
  }

  /**
   * Healthy means /healthz answered 200 within `timeoutMs`, and the process then stayed up for
   * `settleMs` more; any crash on the way (a crash loop included) is a failure.
   */
  async checkHealthy(name: string, timeoutMs: number, settleMs: number): Promise<HealthOutcome> {
    const entry = this.running.get(name);
    if (!entry) return { ok: false, reason: `${name} is not running` };
    const crashesBefore = entry.crashes;
    const crashed = (): HealthOutcome | undefined =>
      entry.crashes > crashesBefore ? { ok: false, reason: `${name} crashed during the health check (${entry.lastExit})` } : undefined;
    const deadline = Date.now() + timeoutMs;
    const url = `http://127.0.0.1:${entry.service.healthPort}/healthz`;
    let answered = false;
    while (Date.now() < deadline && !answered) {
      const failure = crashed();
      if (failure) return failure;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        answered = res.status === 200;
      } catch {
        // not listening yet
      }
      if (!answered) await sleep(100);
    }
    if (!answered) return crashed() ?? { ok: false, reason: `${name} did not answer 200 on ${url} within ${timeoutMs} ms` };
    await sleep(settleMs);
    return crashed() ?? { ok: true };
  }

  private spawn(entry: Running): void {
    const { service } = entry;
    const env = { ...this.options.env, ...(service.healthPortEnv ? { [service.healthPortEnv]: String(service.healthPort) } : {}) };
    const child = spawn(process.execPath, [join(this.options.baseDir, service.main)], { env, stdio: ["ignore", "pipe", "pipe"] });
    entry.child = child;
    const log = this.options.logger.child({ boxService: service.name, serviceVersion: service.version, childPid: child.pid });
    log.info("box service started");
    forwardLines(child.stdout, (line) => log.info({ line }, "service output"));
    forwardLines(child.stderr, (line) => log.warn({ line }, "service stderr"));
    child.once("error", (err) => log.error({ err: err.message }, "box service could not start"));
    child.once("exit", (code, signal) => {
      if (entry.stopping || this.running.get(service.name) !== entry) return;
      entry.crashes += 1;
      entry.lastExit = signal ? `signal ${signal}` : `exit code ${code}`;
      const delay = this.restartDelayMs(entry.crashes);
      log.error({ code, signal, crashes: entry.crashes, restartInMs: delay }, "box service exited; restarting");
      entry.restartTimer = setTimeout(() => {
        if (!entry.stopping) this.spawn(entry);
      }, delay);
    });
  }

  private async terminate(child: ChildProcess | undefined): Promise<void> {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), this.options.stopGraceMs ?? 5000);
    await exited;
    clearTimeout(timer);
  }
}

function forwardLines(stream: NodeJS.ReadableStream | null, emit: (line: string) => void): void {
  if (!stream) return;
  let pending = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = (lines.pop() ?? "").slice(-MAX_LOG_LINE);
    for (const line of lines) if (line.trim() !== "") emit(line.slice(0, MAX_LOG_LINE));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
