#!/usr/bin/env node
// Importing 5,000 GB devices through the real endpoint: starts services/api/dist/main.js on a fresh
// PostgreSQL database, uploads a filled-in template (POST /ivc/cms/device/import/sync), polls
// import/progress until State 1 and downloads import/result. Prints the wall time of each step and
// the API process's peak RSS over its RSS before the upload (sampled from /proc every 20 ms).
// Targets (issue 18): under 20 s, under 200 MB extra. Needs `npx tsc -b` first and NATS at NATS_URL.
//   node bench/api/import.mjs            (IMPORT_ROWS=5000)
// env: TEST_DATABASE_URL (admin, default postgres://postgres@127.0.0.1:5432/postgres), NATS_URL
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { URLSearchParams } from "node:url";
import { createScratchDatabase, dropScratchDatabase } from "../scratch-database.mjs";

const api = (path) => new URL(`../../services/api/dist/${path}`, import.meta.url).href;
const { signAuthorization } = await import(api("signing/sign.js"));
// exceljs is the API's dependency: the bench writes its upload with the same library a client's tool might use.
const excel = createRequire(new URL("../../services/api/package.json", import.meta.url))("exceljs");

const ROWS = Number(process.env.IMPORT_ROWS ?? 5000);
const HOST = "127.0.0.1";
const SECRET_ID = "AKIDbenchimport000000000000000000000";
const SECRET_KEY = "benchimportsecretkey0000000000000000";

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer().listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
    server.on("error", reject);
  });
}

const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

async function gbTemplateFile(rows) {
  const book = new excel.Workbook();
  const sheet = book.addWorksheet("设备");
  sheet.addRow(["*设备名称", "*设备类型", "传输协议", "设备密码", "设备描述", "服务节点"]);
  for (let i = 1; i <= rows; i++) sheet.addRow([`摄像机${i}`, i % 10 === 0 ? "NVR" : "IPC", i % 2 ? "UDP" : "TCP", String(10_000_000 + i), `批量导入${i}`, ""]);
  return Buffer.from(await book.xlsx.writeBuffer());
}

function multipart(fields, file) {
  const boundary = `----ivcbench${randomUUID().replace(/-/g, "")}`;
  const parts = Object.entries(fields).map(([name, value]) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="File"; filename="devices.xlsx"\r\n\r\n`), file, Buffer.from(`\r\n--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function call(port, method, pathAndQuery, body, contentType) {
  const [pathname, search = ""] = pathAndQuery.split("?");
  const query = Object.fromEntries(new URLSearchParams(search));
  const headers = { Host: `${HOST}:${port}`, ...(contentType ? { "Content-Type": contentType } : {}) };
  const authorization = signAuthorization({ secretId: SECRET_ID, secretKey: SECRET_KEY, method, pathname, query, headers, startSeconds: Math.floor(Date.now() / 1000) - 1, validSeconds: 600 });
  return fetch(`http://${HOST}:${port}${pathAndQuery}`, { method, headers: { ...headers, Authorization: authorization }, ...(body ? { body } : {}) });
}

async function startApi(env) {
  const port = await freePort();
  const child = spawn(process.execPath, [new URL(api("main.js")).pathname], {
    env: { ...process.env, ...env, API_PORT: String(port), API_HOST: HOST, LOG_LEVEL: "warn", IVC_SECRET_ID: SECRET_ID, IVC_SECRET_KEY: SECRET_KEY },
    stdio: ["pipe", "ignore", "inherit"],
  });
  const deadline = performance.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`api exited (${child.exitCode}) before /healthz answered`);
    if (performance.now() > deadline) throw new Error("api not healthy within 120 s");
    if (await fetch(`http://${HOST}:${port}/healthz`).then((r) => r.status === 200, () => false)) return { child, port };
    await new Promise((r) => setTimeout(r, 50));
  }
}

const varDir = await mkdtemp(join(tmpdir(), "ivc-bench-import-"));
const dbName = `ivc_bench_import_${process.pid}`;
const databaseUrl = await createScratchDatabase(dbName);
let child;
try {
  const file = await gbTemplateFile(ROWS);
  const started = await startApi({ IVC_VAR_DIR: varDir, DATABASE_URL: databaseUrl });
  child = started.child;
  const { port } = started;
  // Warm the route once (lazy exceljs load, prepared statements) so the baseline is the API at rest after use.
  await (await call(port, "GET", "/ivc/cms/device/export/template?AccessProtocol=2")).arrayBuffer();
  const baseline = rssMb(child.pid);
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(child.pid))), 20);

  const jobId = randomUUID();
  const { body, contentType } = multipart({ JobId: jobId, AccessProtocol: "2", OrganizationId: "0" }, file);
  const t0 = performance.now();
  const accepted = await (await call(port, "POST", "/ivc/cms/device/import/sync", body, contentType)).json();
  const tAccepted = performance.now();
  if (accepted.StatusCode !== 200) throw new Error(`import refused: ${JSON.stringify(accepted)}`);
  let progress;
  for (;;) {
    progress = (await (await call(port, "GET", `/ivc/cms/device/import/progress?JobId=${jobId}`)).json()).Data;
    if (progress.State === 1) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const tDone = performance.now();
  const result = Buffer.from(await (await call(port, "GET", `/ivc/cms/device/import/result?JobId=${jobId}`)).arrayBuffer());
  const tResult = performance.now();
  clearInterval(sampler);
  peak = Math.max(peak, rssMb(child.pid));

  console.log(`upload: ${ROWS} GB rows, ${(file.length / 1024).toFixed(0)} KiB .xlsx`);
  console.log(`import/sync answered (sheet checked, job and rows stored): ${((tAccepted - t0) / 1000).toFixed(2)} s`);
  console.log(`all rows processed (State 1): ${((tDone - t0) / 1000).toFixed(2)} s wall, ${(ROWS / ((tDone - t0) / 1000)).toFixed(0)} rows/s; Succeed ${progress.Succeed}, Failed ${progress.Failed} (target < 20 s)`);
  console.log(`import/result: ${(result.length / 1024).toFixed(0)} KiB in ${((tResult - tDone) / 1000).toFixed(2)} s`);
  console.log(`API RSS: ${baseline.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB, +${(peak - baseline).toFixed(0)} MB (target < 200 MB extra)`);
  if (progress.Succeed !== ROWS) process.exitCode = 1;
} finally {
  child?.kill("SIGTERM");
  await new Promise((r) => (child && child.exitCode === null ? child.once("exit", r) : r()));
  await dropScratchDatabase(dbName);
  await rm(varDir, { recursive: true, force: true });
}
