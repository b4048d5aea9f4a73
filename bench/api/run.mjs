#!/usr/bin/env node
// Signed device-list throughput: seeds 10,000 devices in a throw-away PostgreSQL database, serves the API on
// loopback and fires signed GET /ivc/urm/resource/getUserResources requests; prints requests/s and latency
// percentiles. Bounded by BENCH_REQUESTS and BENCH_SECONDS. Needs `npx tsc -b services/api` first.
//   node bench/api/run.mjs
// env: TEST_DATABASE_URL (admin, default postgres://postgres@127.0.0.1:5432/postgres), BENCH_DEVICES=10000,
//      BENCH_REQUESTS=20000, BENCH_SECONDS=20, BENCH_CONCURRENCY=32, BENCH_PAGE_SIZE=20
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { URLSearchParams } from "node:url";
import pg from "pg";

const dist = new URL("../../services/api/dist/", import.meta.url);
const load = (path) => import(new URL(path, dist).href);
/** Stands in for the NATS-backed controls, which the device list never calls. */
const unusedControl = new Proxy({}, { get: (_target, name) => () => { throw new Error(`bench/api does not use ${String(name)}`); } });

const [{ openDatabase }, { createAccount }, { createKey, findVerificationKey }, { createSecretBox }, { buildApp }, { createAuthenticator }, { allRoutes }, { signAuthorization }, { ensureServiceNode }, { DEFAULT_SIGNING_POLICY }, { cachedKeyLookup }] =
  await Promise.all([
    load("db/open.js"),
    load("accounts/accounts.js"),
    load("accounts/keys.js"),
    load("accounts/secret-box.js"),
    load("http/app.js"),
    load("http/authenticate.js"),
    load("routes/index.js"),
    load("signing/sign.js"),
    load("store/service-nodes.js"),
    load("signing/verify.js"),
    load("accounts/key-cache.js"),
  ]);

const int = (name, fallback, max) => {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name} must be an integer from 1 to ${max}`);
  return n;
};
const DEVICES = int("BENCH_DEVICES", 10_000, 1_000_000);
const REQUESTS = int("BENCH_REQUESTS", 20_000, 1_000_000);
const SECONDS = int("BENCH_SECONDS", 20, 600);
const CONCURRENCY = int("BENCH_CONCURRENCY", 32, 1024);
const PAGE_SIZE = int("BENCH_PAGE_SIZE", 20, 1000);
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function admin(sql) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const dbName = `ivc_bench_${process.pid}`;
const dbUrl = new URL(ADMIN_URL);
dbUrl.pathname = `/${dbName}`;
await admin(`CREATE DATABASE ${dbName}`);
let database;
let app;
try {
  database = await openDatabase(dbUrl.toString(), { poolSize: 16 });
  const db = database.db;
  const box = createSecretBox(randomBytes(32));
  const node = await ensureServiceNode(db, {
    id: "4169d92e-60ad-4c16-ac7e-d313abdd0790",
    name: "bench",
    sipId: "34020000002000000001",
    sipDomain: "3402000000",
    sipIp: "127.0.0.1",
    sipPort: 5060,
    mediaHost: "127.0.0.1",
    mediaHttpPort: 8088,
    rtmpPort: 1935,
  });
  const account = await createAccount(db, "bench");
  const key = await createKey({ db, box }, account.appId);
  const seedStart = performance.now();
  await database.withRawSession(async (s) => {
    const org = await s.rows("INSERT INTO organizations (app_id, name, parent_id, level) VALUES ($1, 'bench', 0, 1) RETURNING id", [account.appId]);
    // One statement: ids from gen_random_uuid, codes 3402000000 132 0 + sequence.
    await s.rows(
      `INSERT INTO devices (id, app_id, code, name, access_protocol, type, transport_protocol, password, organization_id, cluster_id, created_at)
       SELECT gen_random_uuid(), $1, '34020000001320' || lpad(i::text, 6, '0'), 'cam' || i, 2, 1, 1, '12345678', $2, $3,
              now() - (($4 - i) || ' seconds')::interval
       FROM generate_series(1, $4) AS i`,
      [account.appId, org[0].id, node.id, DEVICES],
    );
    await s.exec("VACUUM ANALYZE devices");
    globalThis.benchOrg = String(org[0].id);
  });
  console.log(`seeded ${DEVICES} devices in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

  app = buildApp({
    // Only the device list runs here; the bus-backed controls are never reached.
    routes: allRoutes({ db, control: unusedControl, channelControl: unusedControl, gateways: { control: unusedControl, bundleBaseUrl: "http://127.0.0.1" }, now: () => new Date() }),
    // Same key cache as main.ts.
    authenticate: createAuthenticator(cachedKeyLookup((id) => findVerificationKey({ db, box }, id), { ttlMs: 5000, maxEntries: 10_000 }), DEFAULT_SIGNING_POLICY, () => Math.floor(Date.now() / 1000)),
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address();
  const host = `127.0.0.1:${port}`;
  const pages = Math.ceil(DEVICES / PAGE_SIZE);

  async function one() {
    const query = { OrganizationId: globalThis.benchOrg, PageNumber: String(1 + Math.floor(Math.random() * pages)), PageSize: String(PAGE_SIZE) };
    const path = "/ivc/urm/resource/getUserResources";
    const authorization = signAuthorization({
      secretId: key.secretId,
      secretKey: key.secretKey,
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

  for (let i = 0; i < 200; i++) await one(); // warm-up: JIT, pool connections, plan cache
  const latencies = [];
  const deadline = performance.now() + SECONDS * 1000;
  let issued = 0;
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
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(2);
  console.log(
    `signed GET device list: ${latencies.length} requests, concurrency ${CONCURRENCY}, page size ${PAGE_SIZE}, ${DEVICES} devices, PostgreSQL`,
  );
  console.log(`  ${(latencies.length / elapsed).toFixed(0)} requests/s   p50 ${pct(50)} ms   p99 ${pct(99)} ms   max ${pct(100)} ms`);
} finally {
  await app?.close();
  await database?.close();
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
}
