import { spawn, type ChildProcess } from "node:child_process";
import type { Writable } from "node:stream";
import type { Logger } from "pino";
import { isStartupProgress, restartDelayMs, type StartupSeenMessage } from "@ivc/runtime";
import type { ServiceEntry } from "./services.js";

/** A service that ran this long before it died is restarted without the back-off of a crash loop. */
const STABLE_RUN_MS = 60_000;

/** Exit code with which a service says its configuration is wrong: restarting cannot help. */
export const EXIT_CONFIG = 78;

export interface SupervisedService {
  entry: ServiceEntry;
  child: ChildProcess | undefined;
  healthUrl: string;
  restarts: number;
  /** The start-up stage the running child last named (see @ivc/runtime startup-progress). */
  stage: string;
  stageSince: number;
  /** When the running child last showed a sign of life (a stage report, or its spawn). */
  lastSignAt: number;
}

export interface SupervisorEvents {
  /** A service could not run at all (bad configuration): the launcher should stop everything. */
  onFatal(service: string, reason: string): void;
  /** A child process was started (first start or restart): its PID changed. */
  onSpawn(service: string): void;
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
    const service: SupervisedService = {
      entry, child: undefined, healthUrl: `http://127.0.0.1:${port}/healthz`, restarts: 0, stage: "", stageSince: 0, lastSignAt: 0,
    };
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
      // The IPC channel carries start-up progress only; stdin stays the pipe whose end stops the child.
      stdio: ["pipe", "pipe", "pipe", "ipc"],
    });
    service.child = child;
    const now = Date.now();
    const spawnedAt = now;
    Object.assign(service, { stage: "starting the process", stageSince: now, lastSignAt: now });
    child.on("message", (message: unknown) => {
      if (!isStartupProgress(message) || service.child !== child) return;
      service.lastSignAt = Date.now();
      if (message.stage === service.stage) return;
      this.logger.info({ serviceName: service.entry.name, stage: message.stage }, "start-up stage");
      Object.assign(service, { stage: message.stage, stageSince: service.lastSignAt });
    });
    child.on("error", () => undefined);
    this.events.onSpawn(service.entry.name);
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
      // Back-off grows only while a service keeps crashing: one that had run a while comes back at once.
      if (Date.now() - spawnedAt > STABLE_RUN_MS) service.restarts = 0;
      service.restarts += 1;
      const delay = restartDelayMs(service.restarts - 1);
      this.logger.error({ serviceName: service.entry.name, code, signal, restartInMs: delay }, "service exited; restarting");
      setTimeout(() => {
        if (!this.stopping) this.spawn(service);
      }, delay).unref();
    });
  }

  /** Kills a child that stopped showing signs of life; the exit handler restarts it with back-off. */
  restart(service: SupervisedService, reason: string): void {
    this.logger.error({ serviceName: service.entry.name, stage: service.stage, reason }, "restarting a service that is stuck");
    service.child?.kill("SIGKILL");
  }

  /** Tells the child its health was seen, which ends its start-up reports. */
  markStarted(service: SupervisedService): void {
    const message: StartupSeenMessage = { ivc: "started" };
    if (service.child?.connected) service.child.send(message, () => undefined);
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

export interface WaitOptions {
  /** A starting service that shows no sign of life this long is killed and restarted. */
  silenceMs: number;
  /** How often the launcher says what it is still waiting on. */
  remindEveryMs?: number;
  isStopping(): boolean;
}

async function answersHealthy(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1000) })).status === 200;
  } catch {
    return false; // not listening yet
  }
}

/**
 * Waits until the service's /healthz answers 200, however long its start-up takes, as long as it
 * keeps showing signs of life; says every `remindEveryMs` which stage it is waiting on, and restarts
 * a child that fell silent (the supervisor's back-off applies). Resolves false only when the
 * launcher is stopping. Services already healthy are never touched.
 */
export async function waitStarted(supervisor: Supervisor, service: SupervisedService, logger: Logger, options: WaitOptions): Promise<boolean> {
  const remindEveryMs = options.remindEveryMs ?? 15_000;
  const startedAt = Date.now();
  let lastReminder = startedAt;
  while (!options.isStopping()) {
    const child = service.child;
    const running = child !== undefined && child.exitCode === null && child.signalCode === null;
    if (running && (await answersHealthy(service.healthUrl))) {
      supervisor.markStarted(service);
      logger.info({ serviceName: service.entry.name, startSeconds: Math.round((Date.now() - startedAt) / 100) / 10 }, "service healthy");
      return true;
    }
    const now = Date.now();
    if (running && now - service.lastSignAt > options.silenceMs) {
      supervisor.restart(service, `no sign of life for ${Math.round(options.silenceMs / 1000)} s`);
    } else if (now - lastReminder >= remindEveryMs) {
      lastReminder = now;
      const state = running ? `${service.stage} (${Math.round((now - service.stageSince) / 1000)} s in this stage)` : "restarting after an exit";
      logger.info({ serviceName: service.entry.name, stage: service.stage, waitedSeconds: Math.round((now - startedAt) / 1000) },
        `waiting for ${service.entry.name}: ${state}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}
