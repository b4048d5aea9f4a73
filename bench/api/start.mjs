#!/usr/bin/env node
// How fast the API comes back: starts services/api/dist/main.js on a fresh PGlite directory and on a fresh
// PostgreSQL database, then restarts it after a clean stop and after kill -9, and prints for each start the
// time from process start to the first 200 of /healthz, with the offsets of the API's own log lines on the
// way (NATS connected, database opened, …). Needs `npx tsc -b services/api` first, NATS at NATS_URL.
//   node bench/api/start.mjs
// env: TEST_DATABASE_URL (admin, default postgres://postgres@127.0.0.1:5432/postgres), NATS_URL
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createScratchDatabase, dropScratchDatabase } from "../scratch-database.mjs";

const MAIN = new URL("../../services/api/dist/main.js", import.meta.url).pathname;
const HEALTH_DEADLINE_MS = 120_000;

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
    server.on("error", reject);
  });
}

/** User + system CPU time of a live process, from /proc (Linux clock ticks of 10 ms). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Starts the API, waits for /healthz 200; answers the process, the time and the log lines' offsets. */
async function start(env) {
  const port = await freePort();
  const began = performance.now();
  const wallStart = Date.now();
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env, API_PORT: String(port), API_HOST: "127.0.0.1", LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "inherit"] });
  const marks = [];
  let buffered = "";
  child.stdout.on("data", (chunk) => {
    buffered += chunk;
    for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        const entry = JSON.parse(line);
        const opened = entry.databaseOpenMs === undefined ? "" : ` (database opened in ${entry.databaseOpenMs} ms, NATS ready at +${entry.natsReadyMs} ms)`;
        marks.push(`${entry.msg} +${Date.parse(entry.time) - wallStart} ms${opened}`);
      } catch {
        // not a log line
      }
    }
  });
  const exited = new Promise((resolveExit) => child.once("exit", (code, signal) => resolveExit(signal ?? code)));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`api exited (${child.exitCode}) before /healthz answered: ${marks.join(", ")}`);
    if (performance.now() - began > HEALTH_DEADLINE_MS) throw new Error("api not healthy within 120 s");
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return { child, exited, ms: performance.now() - began, cpu: cpuMs(child.pid), marks };
}

async function series(label, env) {
  const runs = [
    ["first start (empty database)", "SIGTERM"],
    ["restart after a clean stop", "SIGKILL"],
    ["restart after kill -9", "SIGTERM"],
  ];
  for (const [what, stopWith] of runs) {
    const run = await start(env);
    console.log(`${label}, ${what}: /healthz 200 after ${run.ms.toFixed(0)} ms (${run.cpu} ms CPU)`);
    console.log(`    ${run.marks.join(", ")}`);
    run.child.kill(stopWith);
    await run.exited;
  }
}

const varDir = await mkdtemp(join(tmpdir(), "ivc-bench-start-"));
const dbName = `ivc_bench_start_${process.pid}`;
try {
  await series("PGlite", { IVC_VAR_DIR: varDir, DATABASE_URL: "" });
  await series("PostgreSQL", { IVC_VAR_DIR: varDir, DATABASE_URL: await createScratchDatabase(dbName) });
} finally {
  await dropScratchDatabase(dbName);
  await rm(varDir, { recursive: true, force: true });
}
