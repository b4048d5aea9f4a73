import { spawn, type ChildProcess } from "node:child_process";
import type { Writable } from "node:stream";
import type { Logger } from "pino";
import type { ServiceEntry } from "./services.js";

/** Exit code with which a service says its configuration is wrong: restarting cannot help. */
export const EXIT_CONFIG = 78;

export interface SupervisedService {
  entry: ServiceEntry;
  child: ChildProcess | undefined;
  healthUrl: string;
  restarts: number;
}

export interface SupervisorEvents {
  /** A service could not run at all (bad configuration): the launcher should stop everything. */
  onFatal(service: string, reason: string): void;
}

/**
 * Starts each service as its own child process with stdin as a pipe (a service exits when the pipe
 * closes, so none outlives the launcher), forwards its log lines, restarts it with backoff when it
 * dies unexpectedly, and stops children in reverse order on shutdown.
 */
export class Supervisor {
  private readonly services: SupervisedService[] = [];
  private stopping = false;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly logger: Logger,
    private readonly logSink: Writable,
    private readonly events: SupervisorEvents,
  ) {}

  start(entry: ServiceEntry): SupervisedService {
    const port = this.env[entry.healthPortEnv] ?? String(entry.healthPortDefault);
    const service: SupervisedService = { entry, child: undefined, healthUrl: `http://127.0.0.1:${port}/healthz`, restarts: 0 };
    this.services.push(service);
    this.spawn(service);
    return service;
  }

  pids(): Array<{ name: string; pid: number | undefined }> {
    return this.services.map((s) => ({ name: s.entry.name, pid: s.child?.pid }));
  }

  private spawn(service: SupervisedService): void {
    const child = spawn(process.execPath, [...service.entry.nodeArgs, service.entry.main], {
      env: { ...this.env, IVC_LAUNCHED: "1" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    service.child = child;
    this.logger.info({ serviceName: service.entry.name, childPid: child.pid }, "service started");
    child.stdout?.pipe(this.logSink, { end: false });
    let lastStderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      lastStderr = chunk.toString().trim() || lastStderr;
      process.stderr.write(chunk);
    });
    child.stdin?.on("error", () => undefined);
    child.once("exit", (code, signal) => {
      if (this.stopping) return;
      if (code === EXIT_CONFIG) {
        this.events.onFatal(service.entry.name, lastStderr || "configuration error");
        return;
      }
      service.restarts += 1;
      const delay = Math.min(30_000, 1000 * 2 ** Math.min(service.restarts - 1, 5));
      this.logger.error({ serviceName: service.entry.name, code, signal, restartInMs: delay }, "service exited; restarting");
      setTimeout(() => {
        if (!this.stopping) this.spawn(service);
      }, delay).unref();
    });
  }

  /** SIGTERM to each child, last started first; SIGKILL after `graceMs`. */
  async stopAll(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    for (const service of [...this.services].reverse()) {
      const child = service.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => {
        this.logger.warn({ serviceName: service.entry.name }, "service did not stop in time; killing it");
        child.kill("SIGKILL");
      }, graceMs);
      await exited;
      clearTimeout(timer);
      this.logger.info({ serviceName: service.entry.name }, "service stopped");
    }
  }
}

/** Polls a service's /healthz until it answers 200, the child dies, or the time runs out. */
export async function waitHealthy(service: SupervisedService, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const child = service.child;
    if (!child || child.exitCode !== null) return false;
    try {
      const res = await fetch(service.healthUrl, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}
