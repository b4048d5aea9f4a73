import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { isLoopbackHost, natsAnswers, redisAnswers, waitFor } from "./probe.js";
import { restartDelayMs } from "@ivc/runtime";

export interface InfraProcess {
  name: "nats-server" | "redis-server" | "postgres";
  /** The running server; replaced when `keepRunning` restarts it. */
  child: ChildProcess;
  /** How to start it again. */
  start: () => Promise<ChildProcess>;
  /** What stops it cleanly (PostgreSQL: SIGINT, a fast shutdown; SIGTERM would wait for every client). */
  stopSignal?: NodeJS.Signals;
  /** Set by stopInfra: an exit from now on is expected. */
  stopping?: boolean;
}

export class InfraError extends Error {}

interface Endpoint {
  host: string;
  port: number;
}

function endpointOf(url: string, defaultPort: number): Endpoint {
  const u = new URL(url);
  return { host: u.hostname, port: u.port ? Number(u.port) : defaultPort };
}

function requireBinary(binary: string, debianPackage: string): void {
  const found = spawnSync("sh", ["-c", `command -v ${binary}`], { stdio: "ignore" }).status === 0;
  if (!found) {
    throw new InfraError(`${binary} is not installed: run "npm run setup" as root, or "sudo apt-get install -y ${debianPackage}"`);
  }
}

/**
 * Uses the server at `url` when one answers; otherwise, for a loopback URL, starts one as a child
 * bound to loopback with its data under `dataDir`. Returns the child it started, if any.
 */
async function ensureServer(
  url: string,
  defaultPort: number,
  name: InfraProcess["name"],
  debianPackage: string,
  answers: (host: string, port: number) => Promise<boolean>,
  args: (ep: Endpoint, dataDir: string) => string[],
  dataDir: string,
): Promise<InfraProcess | undefined> {
  const ep = endpointOf(url, defaultPort);
  if (await answers(ep.host, ep.port)) return undefined;
  if (!isLoopbackHost(ep.host)) throw new InfraError(`${name} at ${url} does not answer, and it is not on this machine to start`);
  requireBinary(name, debianPackage);
  const start = () => spawnServer(name, args(ep, dataDir), dataDir, () => answers(ep.host, ep.port), ep);
  return { name, child: await start(), start };
}

async function spawnServer(name: string, argv: string[], dataDir: string, answers: () => Promise<boolean>, ep: Endpoint): Promise<ChildProcess> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Both streams: redis-server logs to stdout (its "Address already in use" goes there), nats-server to stderr.
  const child = spawn(name, argv, { stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  const keep = (c: Buffer) => {
    output = (output + c.toString()).slice(-2000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exitCode: number | string | null = null;
  const exited = new Promise<boolean>((resolve) => child.once("exit", (code, signal) => {
    exitCode = code ?? signal;
    resolve(false);
  }));
  const ready = await Promise.race([waitFor(answers, 15_000), exited]);
  if (!ready) {
    child.kill("SIGKILL");
    const how = exitCode === null ? "not answering after 15 s" : `exited (${exitCode})`;
    const last = output.trim().split("\n").pop() || "no output";
    throw new InfraError(`${name} did not start on ${ep.host}:${ep.port}: ${how}: ${last}`);
  }
  return child;
}

export interface KeepRunningEvents {
  onRestarted(proc: InfraProcess): void;
  onRestartFailed(proc: InfraProcess, err: unknown, retryInMs: number): void;
}

/**
 * Restarts a server this launcher started whenever it dies unexpectedly (kill -9, OOM), with the
 * launcher's restart delay; the services' clients reconnect on their own. Nothing is restarted
 * once stopInfra has been called.
 */
export function keepRunning(proc: InfraProcess, events: KeepRunningEvents): void {
  let failures = 0;
  const watch = (child: ChildProcess) => {
    child.once("exit", () => {
      if (!proc.stopping) void restart();
    });
  };
  const restart = async (): Promise<void> => {
    while (!proc.stopping) {
      await new Promise((r) => setTimeout(r, restartDelayMs(failures)));
      if (proc.stopping) return;
      try {
        proc.child = await proc.start();
        failures = 0;
        watch(proc.child);
        events.onRestarted(proc);
        return;
      } catch (err) {
        failures += 1;
        events.onRestartFailed(proc, err, restartDelayMs(failures));
      }
    }
  };
  watch(proc.child);
}

export function ensureNats(url: string, varDir: string): Promise<InfraProcess | undefined> {
  return ensureServer(url, 4222, "nats-server", "nats-server", natsAnswers,
    (ep, dir) => ["-a", ep.host === "localhost" ? "127.0.0.1" : ep.host, "-p", String(ep.port), "-js", "-sd", dir],
    join(varDir, "nats"));
}

export function ensureRedis(url: string, varDir: string): Promise<InfraProcess | undefined> {
  // appendonly: registrations and SSRC leases must survive a Redis restart.
  return ensureServer(url, 6379, "redis-server", "redis-server", redisAnswers,
    (ep, dir) => ["--bind", ep.host === "localhost" ? "127.0.0.1" : ep.host, "--port", String(ep.port), "--dir", dir,
      "--appendonly", "yes", "--save", "", "--protected-mode", "yes", "--daemonize", "no"],
    join(varDir, "redis"));
}

/** Stops a started server with SIGTERM (Redis flushes its AOF, NATS closes JetStream) and waits. */
export async function stopInfra(proc: InfraProcess, graceMs = 10_000): Promise<void> {
  proc.stopping = true;
  const { child } = proc;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(proc.stopSignal ?? "SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}
