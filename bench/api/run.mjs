#!/usr/bin/env node
// Signed device-list load (GET /ivc/urm/resource/getUserResources, 10,000 devices, page size 20, concurrency
// 32) against four servers, each in its own process (bench/api/server.mjs): the API on PostgreSQL, the API
// on PGlite, and the anchor — bare Fastify 5 + pg running the same two queries — without and with an
// HMAC signature check. Prints for each the server's CPU time per request (user + system of the server
// process over the measured requests; on PostgreSQL also the database backends' CPU), requests/s and
// latency percentiles. CPU per request barely moves when other work shares the machine; requests/s and
// latency do. Needs `npx tsc -b` first.
//   node bench/api/run.mjs [api-postgres api-pglite anchor anchor-hmac]
// env: TEST_DATABASE_URL (admin, default postgres://postgres@127.0.0.1:5432/postgres), BENCH_DEVICES=10000,
//      BENCH_REQUESTS=5000 (per server), BENCH_SECONDS=15 (per server), BENCH_CONCURRENCY=32, BENCH_PAGE_SIZE=20,
//      BENCH_CPU_PROF=<dir> (servers write V8 CPU profiles there)
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { URLSearchParams } from "node:url";
import pg from "pg";
import { seedDevices } from "./seed.mjs";

const dist = new URL("../../services/api/dist/", import.meta.url);
const load = (path) => import(new URL(path, dist).href);
const [{ openDatabase }, { createSecretBox }, { signAuthorization }] = await Promise.all([load("db/open.js"), load("accounts/secret-box.js"), load("signing/sign.js")]);

const int = (name, fallback, max) => {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name} must be an integer from 1 to ${max}`);
  return n;
};
const DEVICES = int("BENCH_DEVICES", 10_000, 1_000_000);
const REQUESTS = int("BENCH_REQUESTS", 5000, 1_000_000);
const SECONDS = int("BENCH_SECONDS", 15, 600);
const CONCURRENCY = int("BENCH_CONCURRENCY", 32, 1024);
const PAGE_SIZE = int("BENCH_PAGE_SIZE", 20, 1000);
const WARM_UP = 300;
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SERVERS = ["api-postgres", "api-pglite", "anchor", "anchor-hmac"];
const chosen = process.argv.length > 2 ? process.argv.slice(2) : SERVERS;
for (const name of chosen) if (!SERVERS.includes(name)) throw new Error(`unknown server ${name}; one of ${SERVERS.join(", ")}`);

async function withAdmin(work) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** User + system CPU of a process in µs, from /proc (clock ticks of 10 ms); 0 once it is gone. */
function procCpuMicros(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return 0;
  }
}

/** The PostgreSQL backends serving `dbName` (the server's pool), for their CPU time. */
async function backendPids(dbName) {
  return withAdmin(async (c) => (await c.query("SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [dbName])).rows.map((r) => r.pid));
}

function startServer(env) {
  // BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there (node --cpu-prof).
  const execArgv = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = fork(new URL("./server.mjs", import.meta.url), { env: { ...process.env, ...env }, execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const replies = [];
  let waiting;
  child.on("message", (m) => (waiting ? (waiting(m), (waiting = undefined)) : replies.push(m)));
  const next = () => (replies.length > 0 ? Promise.resolve(replies.shift()) : new Promise((r) => (waiting = r)));
  const exited = new Promise((r) => child.once("exit", r));
  return {
    ready: Promise.race([next(), exited.then((code) => Promise.reject(new Error(`server exited (${code}) before it was ready`)))]),
    cpu: () => (child.send("cpu"), next()).then((m) => m.cpu.user + m.cpu.system),
    stop: () => (child.send("stop"), exited),
  };
}

async function load1(server, info) {
  const host = `127.0.0.1:${info.port}`;
  const pages = Math.ceil(DEVICES / PAGE_SIZE);
  const path = "/ivc/urm/resource/getUserResources";
  async function one() {
    const query = { OrganizationId: info.organizationId, PageNumber: String(1 + Math.floor(Math.random() * pages)), PageSize: String(PAGE_SIZE) };
    const authorization = signAuthorization({
      secretId: info.secretId,
      secretKey: info.secretKey,
      method: "GET",
      pathname: path,
      query,
      headers: { Host: host },
      startSeconds: Math.floor(Date.now() / 1000) - 1,
      validSeconds: 600,
    });
    const started = performance.now();
    const res = await fetch(`http://${host}${path}?${new URLSearchParams(query)}`, { headers: { Authorization: authorization } });
    const body = await res.json();
    const ms = performance.now() - started;
    if (body.StatusCode !== 200 || body.Data.List.length === 0) throw new Error(`unexpected answer ${JSON.stringify(body).slice(0, 200)}`);
    return ms;
  }
  for (let i = 0; i < WARM_UP; i++) await one(); // JIT, pool connections, plan cache
  const latencies = [];
  const deadline = performance.now() + SECONDS * 1000;
  let issued = 0;
  const cpuBefore = await server.cpu();
  const pids = info.dbName ? await backendPids(info.dbName) : [];
  const dbBefore = pids.reduce((sum, pid) => sum + procCpuMicros(pid), 0);
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (issued < REQUESTS && performance.now() < deadline) {
        issued++;
        latencies.push(await one());
      }
    }),
  );
  const elapsed = (performance.now() - begin) / 1000;
  const cpu = (await server.cpu()) - cpuBefore;
  const dbCpu = pids.reduce((sum, pid) => sum + procCpuMicros(pid), 0) - dbBefore;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(2);
  const n = latencies.length;
  return { n, cpuMs: cpu / n / 1000, dbCpuMs: pids.length > 0 ? dbCpu / n / 1000 : undefined, rps: n / elapsed, p50: pct(50), p99: pct(99) };
}

const masterKey = randomBytes(32).toString("hex");
const dbName = `ivc_bench_${process.pid}`;
const pgliteDir = await mkdtemp(join(tmpdir(), "ivc-bench-pglite-"));
const results = [];
try {
  let seeded;
  if (chosen.some((s) => s !== "api-pglite")) {
    await withAdmin((c) => c.query(`CREATE DATABASE ${dbName}`));
    const url = new URL(ADMIN_URL);
    url.pathname = `/${dbName}`;
    const database = await openDatabase(url.toString(), { poolSize: 2 });
    seeded = { url: url.toString(), ...(await seedDevices(database, createSecretBox(Buffer.from(masterKey, "hex")), DEVICES)) };
    await database.close();
  }
  console.log(`signed GET device list, ${DEVICES} devices, page size ${PAGE_SIZE}, concurrency ${CONCURRENCY}; CPU time of the server process per request`);
  for (const name of chosen) {
    const env =
      name === "api-pglite"
        ? { BENCH_SERVER: "api", BENCH_PGLITE_DIR: pgliteDir, BENCH_DATABASE_URL: "", BENCH_DEVICES: String(DEVICES) }
        : { BENCH_SERVER: name === "api-postgres" ? "api" : name, BENCH_DATABASE_URL: seeded.url, BENCH_SEEDED: JSON.stringify(seeded) };
    const server = startServer({ ...env, BENCH_MASTER_KEY: masterKey });
    try {
      const info = await server.ready;
      const result = await load1(server, { ...info, dbName: name === "api-pglite" ? undefined : dbName });
      results.push({ name, ...result });
      const db = result.dbCpuMs === undefined ? "in process" : `+ ${result.dbCpuMs.toFixed(2)} ms in PostgreSQL`;
      console.log(
        `${name.padEnd(12)} ${result.cpuMs.toFixed(2)} ms CPU/request (${db})   ${result.rps.toFixed(0)} requests/s   p50 ${result.p50} ms   p99 ${result.p99} ms   (${result.n} requests)`,
      );
    } finally {
      await server.stop();
    }
  }
  const cpuOf = (name) => results.find((r) => r.name === name)?.cpuMs;
  const api = cpuOf("api-postgres");
  for (const anchor of ["anchor", "anchor-hmac"]) {
    if (api !== undefined && cpuOf(anchor) !== undefined) console.log(`API on PostgreSQL / ${anchor}: ${(api / cpuOf(anchor)).toFixed(2)}×`);
  }
} finally {
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
  await rm(pgliteDir, { recursive: true, force: true });
}
