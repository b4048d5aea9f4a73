import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pino, type Logger } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../../test/support/ports.js";
import { Supervisor, waitStarted, type SupervisedService } from "../src/supervisor.js";

const fixture = join(import.meta.dirname, "fixtures/staged-service.mjs");

interface StandIn {
  supervisor: Supervisor;
  service: SupervisedService;
  logger: Logger;
  logs(): string;
  /** How many times the stand-in's process was started. */
  spawns(): number;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** One stand-in service under its own supervisor (the supervisor's environment is per child set). */
async function startStandIn(name: string, env: Record<string, string>): Promise<StandIn> {
  const dir = mkdtempSync(join(tmpdir(), "ivc-startup-"));
  const spawnLog = join(dir, "spawns");
  const port = await freePort();
  const sink = new PassThrough();
  let logs = "";
  sink.on("data", (c: Buffer) => (logs += c.toString()));
  const logger = pino({ level: "info" }, sink);
  const supervisor = new Supervisor({ ...process.env, HEALTH_PORT: String(port), PORT_OF_STAND_IN: String(port), SPAWN_LOG: spawnLog, ...env }, logger, sink, {
    onFatal: () => undefined,
    onSpawn: () => undefined,
  });
  const service = supervisor.start({ name, main: fixture, healthPortEnv: "PORT_OF_STAND_IN", healthPortDefault: 0, startOrder: 1, nodeArgs: [] });
  cleanups.push(async () => {
    await supervisor.stopAll(2000);
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    supervisor, service, logger,
    logs: () => logs,
    spawns: () => {
      try {
        return readFileSync(spawnLog, "utf8").trim().split("\n").filter(Boolean).length;
      } catch {
        return 0;
      }
    },
  };
}

describe("the launcher waits for a slow start-up and restarts only a stuck one", () => {
  it("waits past the silence limit while the service keeps reporting its stages, and says what it waits on", async () => {
    // Two stages of 3 s against a silence limit of 2.5 s: only the stage reports keep it from a restart.
    const slow = await startStandIn("slow", { STAGE_MS: "3000" });
    const started = Date.now();
    const ok = await waitStarted(slow.supervisor, slow.service, slow.logger, { silenceMs: 2500, remindEveryMs: 1000, isStopping: () => false });
    expect(ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThan(5000);
    expect(slow.spawns()).toBe(1);
    expect(slow.logs()).toContain('"stage":"opening the database"');
    expect(slow.logs()).toContain('"stage":"applying migrations"');
    expect(slow.logs()).toMatch(/waiting for slow: (opening the database|applying migrations) \(\d+ s in this stage\)/);
    expect(slow.logs()).toContain('"msg":"service healthy"');
  }, 30_000);

  it("restarts a service that shows no sign of life, and leaves one that is already healthy alone", async () => {
    const healthy = await startStandIn("healthy", { STAGE_MS: "10" });
    expect(await waitStarted(healthy.supervisor, healthy.service, healthy.logger, { silenceMs: 5000, isStopping: () => false })).toBe(true);
    const healthyPid = healthy.service.child?.pid;

    const stuck = await startStandIn("stuck", { SILENT: "1" });
    let stopping = false;
    const waiting = waitStarted(stuck.supervisor, stuck.service, stuck.logger, { silenceMs: 1500, isStopping: () => stopping });
    await expect.poll(() => stuck.spawns(), { timeout: 15_000, interval: 200 }).toBeGreaterThanOrEqual(2);
    expect(stuck.logs()).toContain("restarting a service that is stuck");
    expect(stuck.logs()).toContain("no sign of life for 2 s");
    stopping = true;
    expect(await waiting).toBe(false);

    expect(healthy.service.child?.pid).toBe(healthyPid);
    expect(healthy.service.child?.exitCode).toBeNull();
    expect(healthy.spawns()).toBe(1);
  }, 30_000);
});
