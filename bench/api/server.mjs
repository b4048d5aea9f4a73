// The server side of bench/api/run.mjs, in its own process so that its CPU time is the server's alone.
// BENCH_SERVER picks what serves GET /ivc/urm/resource/getUserResources on loopback:
//   api          the API's routes, authenticator and key cache (as services/api/src/main.ts builds them)
//                on PostgreSQL (BENCH_DATABASE_URL) or on PGlite (BENCH_PGLITE_DIR, seeded here)
//   anchor       bare Fastify 5 + pg running the device list's two queries, no signature check
//   anchor-hmac  the same plus the signature check of spec 01 §1.2 written out inline
// It answers the parent over IPC: {ready, port, secretId, secretKey, organizationId} once listening, then
// {cpu} (process.cpuUsage(), µs) whenever asked.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import Fastify from "fastify";
import pg from "pg";
import { seedDevices } from "./seed.mjs";

const dist = new URL("../../services/api/dist/", import.meta.url);
const load = (path) => import(new URL(path, dist).href);
const mode = process.env.BENCH_SERVER;

const COUNT_SQL = 'select count(*) from "devices" where ("devices"."app_id" = $1 and "devices"."organization_id" = $2)';
const PAGE_SQL =
  'select "id", "app_id", "code", "name", "access_protocol", "type", "transport_protocol", "password_enc", "description", "manufacturer", "link_status", "disabled", "organization_id", "cluster_id", "created_at", "updated_at" from "devices" where ("devices"."app_id" = $1 and "devices"."organization_id" = $2) order by "devices"."created_at" asc, "devices"."id" asc limit $3 offset $4';

async function apiServer() {
  const [{ openDatabase }, { createSecretBox }, { buildApp }, { createAuthenticator }, { allRoutes }, { findVerificationKey }, { cachedKeyLookup }, { DEFAULT_SIGNING_POLICY }, { requestObserver }, runtime] =
    await Promise.all([
      load("db/open.js"),
      load("accounts/secret-box.js"),
      load("http/app.js"),
      load("http/authenticate.js"),
      load("routes/index.js"),
      load("accounts/keys.js"),
      load("accounts/key-cache.js"),
      load("signing/verify.js"),
      load("http/request-metrics.js"),
      import(new URL("../../packages/runtime/dist/index.js", import.meta.url).href),
    ]);
  const box = createSecretBox(Buffer.from(process.env.BENCH_MASTER_KEY, "hex"));
  const database = await openDatabase(process.env.BENCH_DATABASE_URL || undefined, { pgliteDir: process.env.BENCH_PGLITE_DIR, poolSize: 16, box });
  const seeded = process.env.BENCH_DATABASE_URL ? JSON.parse(process.env.BENCH_SEEDED) : await seedDevices(database, box, Number(process.env.BENCH_DEVICES));
  // Only the device list runs here; the bus-backed controls are never reached.
  const unused = new Proxy({}, { get: (_target, name) => () => { throw new Error(`bench/api does not use ${String(name)}`); } });
  const app = buildApp({
    routes: allRoutes({ db: database.db, box, control: unused, channelControl: unused, deviceImports: unused, domains: { resolveCname: undefined, icp: unused, changes: unused }, gateways: { control: unused, bundleBaseUrl: "http://127.0.0.1" }, now: () => new Date() }),
    authenticate: createAuthenticator(cachedKeyLookup((id) => findVerificationKey({ db: database.db, box }, id), { ttlMs: 5000, maxEntries: 10_000 }), DEFAULT_SIGNING_POLICY, () => Math.floor(Date.now() / 1000)),
    logger: runtime.createLogger("api", "warn"),
    observe: requestObserver(runtime.createMetricsRegistry("api")),
  });
  return { app, seeded };
}

/** Spec 01 §1.2 for the one request shape the bench sends (query pairs and Host signed). */
function signatureValid(request, keys) {
  const fields = new Map(String(request.headers.authorization ?? "").split("&").map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
  const secretKey = keys.get(fields.get("q-ak"));
  if (secretKey === undefined) return false;
  const keyTime = fields.get("q-key-time");
  const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const params = fields.get("q-url-param-list").split(";").sort().map((k) => `${k}=${enc(request.query[Object.keys(request.query).find((q) => q.toLowerCase() === k)] ?? "")}`).join("&");
  const http = `${request.method.toLowerCase()}\n${request.routeOptions.url}\n${params}\nhost=${enc(request.headers.host)}\n`;
  const signKey = createHmac("sha1", secretKey).update(keyTime).digest("hex");
  const toSign = `sha1\n${keyTime}\n${createHash("sha1").update(http).digest("hex")}\n`;
  const expected = Buffer.from(createHmac("sha1", signKey).update(toSign).digest("hex"));
  const given = Buffer.from(fields.get("q-signature") ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function anchorServer(withHmac) {
  const pool = new pg.Pool({ connectionString: process.env.BENCH_DATABASE_URL, max: 16 });
  const seeded = JSON.parse(process.env.BENCH_SEEDED);
  const keys = new Map([[seeded.secretId, seeded.secretKey]]);
  const app = Fastify({ logger: false });
  app.get("/ivc/urm/resource/getUserResources", async (request, reply) => {
    if (withHmac && !signatureValid(request, keys)) return reply.code(401).send({ StatusCode: 401 });
    const { OrganizationId, PageNumber, PageSize } = request.query;
    const size = Number(PageSize);
    const [total, page] = await Promise.all([
      pool.query(COUNT_SQL, [seeded.appId, OrganizationId]),
      pool.query(PAGE_SQL, [seeded.appId, OrganizationId, size, (Number(PageNumber) - 1) * size]),
    ]);
    return { StatusCode: 200, Data: { TotalCount: Number(total.rows[0].count), List: page.rows } };
  });
  app.addHook("onClose", () => pool.end());
  return { app, seeded };
}

const { app, seeded } = mode === "api" ? await apiServer() : await anchorServer(mode === "anchor-hmac");
await app.listen({ host: "127.0.0.1", port: 0 });
process.on("message", (message) => {
  if (message === "cpu") process.send({ cpu: process.cpuUsage() });
  if (message === "stop") void app.close().then(() => process.exit(0));
});
process.send({ ready: true, port: app.server.address().port, ...seeded });
