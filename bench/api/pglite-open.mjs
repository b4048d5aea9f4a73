#!/usr/bin/env node
// How long the embedded database (PGlite) takes to open, and its peak memory, on this machine idle
// and with a CPU hog on every core (a store box under a busy NVR): first start (initdb + every
// migration) and a reopen of the same folder. Each open runs in a process of its own, so the peak
// RSS (VmHWM) is that of the open alone. Needs `npx tsc -b services/api` first.
//   node bench/api/pglite-open.mjs            env: BENCH_ROUNDS=3
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const openDatabase = new URL("../../services/api/dist/db/open.js", import.meta.url).href;

if (process.argv[2] === "--child") {
  const { openDatabase: open } = await import(openDatabase);
  const started = performance.now();
  const database = await open(undefined, { pgliteDir: process.argv[3] });
  const ms = performance.now() - started;
  await database.close();
  const hwm = /VmHWM:\s+(\d+) kB/.exec(await import("node:fs").then((fs) => fs.readFileSync("/proc/self/status", "utf8")))?.[1];
  process.stdout.write(JSON.stringify({ ms, peakRssMiB: Number(hwm) / 1024 }));
  process.exit(0);
}

function openOnce(dir) {
  const r = spawnSync(process.execPath, [new URL(import.meta.url).pathname, "--child", dir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`open failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function measure(label) {
  const first = [];
  const reopen = [];
  for (let i = 0; i < rounds; i++) {
    const dir = mkdtempSync(join(tmpdir(), "ivc-pglite-open-"));
    try {
      first.push(openOnce(dir));
      reopen.push(openOnce(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const [name, runs] of [["first start (initdb + migrations)", first], ["reopen", reopen]]) {
    console.log(`${label.padEnd(26)} ${name.padEnd(34)} median ${median(runs.map((r) => r.ms)).toFixed(0).padStart(6)} ms  max ${Math.max(...runs.map((r) => r.ms)).toFixed(0).padStart(6)} ms  peak RSS ${median(runs.map((r) => r.peakRssMiB)).toFixed(0)} MiB`);
  }
}

measure("idle");
const hogs = Array.from({ length: availableParallelism() }, () => spawn("sh", ["-c", "while :; do :; done"], { stdio: "ignore" }));
try {
  measure(`CPU hog on ${hogs.length} cores`);
} finally {
  for (const hog of hogs) hog.kill("SIGKILL");
}
