import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { ensureNats, ensureRedis, stopInfra } from "../packages/launcher/src/infra.js";
import { freePort, freeRtpRange, isProcessAlive } from "./support/ports.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const launcherMain = join(root, "packages/launcher/dist/main.js");

interface LauncherState {
  pid: number;
  services: Array<{ name: string; pid: number }>;
  infra: Array<{ name: string; pid: number }>;
}

async function scratchEnv(): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { ...process.env, IVC_PRETTY_LOGS: "false", LOG_LEVEL: "info" };
  delete env.DATABASE_URL;
  delete env.IVC_SECRET_ID;
  delete env.IVC_SECRET_KEY;
  for (const name of ["API_PORT", "SIP_PORT", "SIP_HTTP_PORT", "MEDIA_HTTP_PORT", "MEDIA_HTTPS_PORT", "RTMP_PORT", "EDGE_HTTP_PORT"]) env[name] = String(await freePort());
  env.RTP_PORTS = await freeRtpRange(100);
  env.NATS_URL = `nats://127.0.0.1:${await freePort()}`;
  env.REDIS_URL = `redis://127.0.0.1:${await freePort()}`;
  return env;
}

function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${seen.slice(-4000)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve(seen);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (!pattern.test(seen)) reject(new Error(`launcher exited ${code} before ${pattern}; output:\n${seen.slice(-4000)}`));
    });
  });
}

/** The API's command line (`npm run ivc -w @ivc/api`) in `cwd`, as a user runs it beside `npm start`. */
function ivcCli(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, "services/api/dist/cli/main.js"), ...args], { cwd, env: { ...env, INIT_CWD: "" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A launcher killed by a failing test leaves the NATS, Redis and PostgreSQL it started (their own
 * process group, so a terminal's Ctrl-C reaches only the launcher); the test stops them itself.
 */
function killInfraOf(cwd: string): void {
  const file = join(cwd, "var/launcher.json");
  if (!existsSync(file)) return;
  for (const { pid } of (JSON.parse(readFileSync(file, "utf8")) as LauncherState).infra) if (isProcessAlive(pid)) process.kill(pid, "SIGKILL");
}

const scratchDirs: string[] = [];
afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

describe("npm start (the launcher) in a scratch folder", () => {
  it("starts NATS and Redis when none answers, brings every service to healthy, runs PostgreSQL itself, restarts NATS, Redis and PostgreSQL after kill -9, and leaves no process behind on SIGTERM", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "ivc-start-"));
    scratchDirs.push(cwd);
    onTestFinished(() => killInfraOf(cwd));
    const env = await scratchEnv();
    const launcher = spawn(process.execPath, [launcherMain], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let later = "";
    const launcherOutput = () => later;
    const exited = new Promise<number | null>((resolve) => launcher.once("exit", (code) => resolve(code)));
    try {
      const output = await waitForOutput(launcher, /"msg":"gateway ready"/, 120_000);
      launcher.stdout.on("data", (c: Buffer) => (later += c.toString()));
      expect(output).toContain("IVC gateway is running");
      expect(output).toMatch(/SIP server ID\s+34020000002000000001/);
      expect(output).toMatch(/SecretId\s+AKID\w{32}/);

      const state = JSON.parse(readFileSync(join(cwd, "var/launcher.json"), "utf8")) as LauncherState;
      // No DATABASE_URL: PostgreSQL from Debian's binaries under var/, not PGlite.
      expect(state.infra.map((p) => p.name).sort()).toEqual(["nats-server", "postgres", "redis-server"]);
      expect(output).toMatch(/database\s+PostgreSQL in \S+ \(started here/);
      const healthPorts: Record<string, string> = { api: "API_PORT", "sip-server": "SIP_HTTP_PORT", "media-relay": "MEDIA_HTTP_PORT", "edge-agent": "EDGE_HTTP_PORT" };
      expect(state.services.map((s) => s.name)).toEqual(expect.arrayContaining(["api", "sip-server", "media-relay"]));
      for (const { name } of state.services) {
        const port = env[healthPorts[name] ?? "unknown"];
        expect(port, `health port of ${name}`).toBeDefined();
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        expect(res.status, name).toBe(200);
        const body = (await res.json()) as { service: string; dependencies: Record<string, { ok: boolean }> };
        expect(body.service).toBe(name);
        expect(body.dependencies.nats?.ok, `${name} reaches NATS`).toBe(true);
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        expect(metrics).toContain(`ivc_process_cpu_user_seconds_total{service="${name}"}`);
      }
      // The relay runs with the Node flags its package.json names (docs/architecture.md, "Relay memory").
      const relayPid = state.services.find((s) => s.name === "media-relay")!.pid;
      const relayArgv = readFileSync(`/proc/${relayPid}/cmdline`, "utf8").split("\0");
      expect(relayArgv).toContain("--initial-old-space-size=256");
      const firstPids = [state.pid, ...state.services.map((s) => s.pid), ...state.infra.map((p) => p.pid)];
      expect(firstPids.every(isProcessAlive)).toBe(true);
      // The folder holding the database and keys is this user's alone.
      expect(statSync(join(cwd, "var")).mode & 0o777).toBe(0o700);
      const clusterDir = /started PostgreSQL in (\S+) /.exec(output)?.[1];
      if (clusterDir) scratchDirs.push(clusterDir); // as root it lives in the postgres user's home
      // The choice is kept, so later starts and the command line use the same database.
      expect(JSON.parse(readFileSync(join(cwd, "var/embedded-database.json"), "utf8"))).toMatchObject({ kind: "postgresql", clusterDir, url: expect.stringMatching(/^postgresql:\/\/ivc@localhost\/ivc\?host=/) });
      expect(statSync(join(clusterDir!, "data")).mode & 0o077).toBe(0);
      expect(statSync(join(cwd, "var/first-key.json")).mode & 0o777).toBe(0o600);

      // kill -9 of the NATS, Redis and PostgreSQL it started: restarted, listed with their new PIDs, services healthy again.
      for (const { pid } of state.infra) process.kill(pid, "SIGKILL");
      const readState = () => JSON.parse(readFileSync(join(cwd, "var/launcher.json"), "utf8")) as LauncherState;
      await expect.poll(() => readState().infra.filter((p) => isProcessAlive(p.pid) && !firstPids.includes(p.pid)).length, { timeout: 30_000, interval: 250 }).toBe(3);
      expect(launcherOutput()).toMatch(/nats-server had died; restarted it/);
      expect(launcherOutput()).toMatch(/postgres had died; restarted it/);
      for (const name of ["api", "sip-server", "media-relay"]) {
        const port = env[healthPorts[name]!];
        await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status, { timeout: 30_000, interval: 500 }).toBe(200);
      }
      const pids = [state.pid, ...readState().services.map((s) => s.pid), ...readState().infra.map((p) => p.pid)];

      // The command line beside the running gateway writes to the gateway's own PostgreSQL.
      const created = await ivcCli(cwd, env, "accounts", "create", "--name", "门店");
      expect(created.code, created.stderr).toBe(0);
      const { AppId } = JSON.parse(created.stdout) as { AppId: string };
      const listed = await ivcCli(cwd, env, "accounts", "list");
      expect(listed.stdout).toContain(AppId);

      launcher.kill("SIGTERM");
      expect(await exited).toBe(0);
      await expect.poll(() => pids.filter(isProcessAlive), { timeout: 15_000 }).toEqual([]);
      // With the gateway stopped it says what to do instead of opening another, empty database.
      const stopped = await ivcCli(cwd, env, "accounts", "list");
      expect(stopped.code).not.toBe(0);
      expect(stopped.stderr).toContain("start the gateway (npm start)");
      expect(existsSync(join(cwd, "var/db"))).toBe(false);
    } finally {
      if (launcher.exitCode === null) launcher.kill("SIGKILL");
    }
  }, 150_000);

  it("uses the NATS and Redis that already answer instead of starting its own", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "ivc-start-"));
    scratchDirs.push(cwd);
    onTestFinished(() => killInfraOf(cwd));
    // Servers of this test's own, already answering before the launcher starts: the suite's shared
    // NATS would let this gateway's services answer other test files' requests.
    // PGlite chosen: the database that needs no server binaries at all.
    const env: NodeJS.ProcessEnv = { ...(await scratchEnv()), EMBEDDED_DATABASE: "pglite" };
    const preStarted = [await ensureNats(env.NATS_URL!, cwd), await ensureRedis(env.REDIS_URL!, cwd)];
    const launcher = spawn(process.execPath, [launcherMain], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => launcher.once("exit", (code) => resolve(code)));
    try {
      const output = await waitForOutput(launcher, /"msg":"gateway ready"/, 120_000);
      expect(output).toContain(`using the nats server at ${env.NATS_URL}`);
      expect(output).toContain(`using the redis server at ${env.REDIS_URL}`);
      expect(output).toMatch(/database\s+embedded PGlite in .*var\/db/);
      const state = JSON.parse(readFileSync(join(cwd, "var/launcher.json"), "utf8")) as LauncherState;
      expect(state.infra).toEqual([]);
      launcher.kill("SIGINT");
      expect(await exited).toBe(0);
      await expect.poll(() => state.services.map((s) => s.pid).filter(isProcessAlive), { timeout: 15_000 }).toEqual([]);
      // Servers it did not start are left running.
      expect(preStarted.every((p) => p && isProcessAlive(p.child.pid!))).toBe(true);
    } finally {
      if (launcher.exitCode === null) launcher.kill("SIGKILL");
      for (const p of preStarted) if (p) await stopInfra(p);
    }
  }, 90_000);

  it("stops with one line and a non-zero exit when a service's setting is wrong", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "ivc-start-"));
    scratchDirs.push(cwd);
    onTestFinished(() => killInfraOf(cwd));
    const env = { ...(await scratchEnv()), RTP_PORTS: "9-8", EMBEDDED_DATABASE: "pglite" };
    const launcher = spawn(process.execPath, [launcherMain], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    launcher.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => launcher.once("exit", (c) => resolve(c)));
    expect(code).not.toBe(0);
    expect(stderr).toContain('configuration error: RTP_PORTS="9-8" is not allowed');
    const state = JSON.parse(readFileSync(join(cwd, "var/launcher.json"), "utf8")) as LauncherState;
    expect(state.pid).toBe(launcher.pid);
    const pids = [...state.services.map((s) => s.pid), ...state.infra.map((p) => p.pid)];
    expect(state.infra).toHaveLength(2);
    await expect.poll(() => pids.filter(isProcessAlive), { timeout: 15_000 }).toEqual([]);
  }, 90_000);
});
