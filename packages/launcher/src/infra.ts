import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { isLoopbackHost, natsAnswers, redisAnswers, waitFor } from "./probe.js";

export interface InfraProcess {
  name: "nats-server" | "redis-server";
  child: ChildProcess;
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
  mkdirSync(dataDir, { recursive: true });
  const child = spawn(name, args(ep, dataDir), { stdio: ["ignore", "ignore", "pipe"], detached: true });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-2000);
  });
  const exited = new Promise<boolean>((resolve) => child.once("exit", () => resolve(false)));
  const ready = await Promise.race([waitFor(() => answers(ep.host, ep.port), 15_000), exited]);
  if (!ready) {
    child.kill("SIGKILL");
    throw new InfraError(`${name} did not start on ${ep.host}:${ep.port}: ${stderr.trim().split("\n").pop() ?? "no output"}`);
  }
  return { name, child };
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
  const { child } = proc;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}
