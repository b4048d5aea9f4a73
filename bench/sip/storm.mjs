#!/usr/bin/env node
// REGISTER storm (issue 11): one address (127.0.0.2) sends REGISTERs of unknown device codes as
// fast as a worker thread can for BENCH_SIP_STORM_SECONDS against a sip-server with the production
// flood settings; 1 s in, a legitimate device on another address (127.0.0.3) registers (digest, two
// round trips). Prints REGISTER/s refused from the storming source, the API lookups the storm cost
// and the legitimate device's registration time during the storm.
// Needs NATS and Redis (NATS_URL, REDIS_URL) and `npx tsc -b` first.
//   node bench/sip/storm.mjs   env: BENCH_SIP_STORM_SECONDS=5, BENCH_SIP_STORM_RATE=0 (REGISTERs/s; 0 = as fast as it can)
import { randomInt, randomUUID } from "node:crypto";
import { createSocket } from "node:dgram";
import { performance } from "node:perf_hooks";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

const dist = (path) => import(new URL(`../../${path}`, import.meta.url).href);
const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const SERVER_ID = "34020000002000000001";

if (isMainThread) await main();
else await storm(workerData);

async function main() {
  const seconds = Number(process.env.BENCH_SIP_STORM_SECONDS ?? 5);
  if (!Number.isFinite(seconds) || seconds < 2 || seconds > 120) throw new Error("BENCH_SIP_STORM_SECONDS must be from 2 to 120");
  const rate = Number(process.env.BENCH_SIP_STORM_RATE ?? 0);
  if (!Number.isInteger(rate) || rate < 0) throw new Error("BENCH_SIP_STORM_RATE must be a whole number of REGISTERs per second (0: as fast as possible)");
  const [{ startSipServer }, { Bus, connectNats, deviceCredentials }, { createLogger, Registry }, { VirtualDevice }, { Redis }] = await Promise.all([
    dist("services/sip-server/dist/server.js"),
    dist("packages/bus/dist/index.js"),
    dist("packages/runtime/dist/index.js"),
    dist("packages/device-sim/dist/index.js"),
    import("ioredis"),
  ]);
  const guard = setTimeout(() => {
    console.error("bench/sip/storm: gave up after 120 s");
    process.exit(1);
  }, 120_000);
  guard.unref();
  const logger = createLogger("bench-sip-storm", "silent");
  const nc = await connectNats({ url: NATS_URL, name: "bench-sip-storm", logger });
  const bus = new Bus(nc, logger);
  const redis = new Redis(REDIS_URL);
  const clusterId = randomUUID();
  const domain = `34${String(randomInt(0, 99_999_999)).padStart(8, "0")}`;
  const legitId = `${domain}1320000001`;
  let lookups = 0;
  // The fake API: the legitimate device is known, every storm code is not.
  const api = bus.reply(deviceCredentials, { clusterId }, ({ deviceId }) => {
    if (deviceId === legitId) return { found: true, clusterId, enabled: true, password: "pw", deviceType: "IPC", transport: "udp" };
    lookups++;
    return { found: false };
  });
  const metrics = new Registry();
  const server = await startSipServer({
    config: { SIP_ID: SERVER_ID, SIP_DOMAIN: domain, SIP_PORT: 0, SIP_BIND: "127.0.0.1", SIP_HOST: "127.0.0.1", KEEPALIVE_INTERVAL: 60_000, KEEPALIVE_MISSES: 3, CATALOG_TIMEOUT: 2000 },
    clusterId,
    logger,
    bus,
    redis,
    metrics,
    tuning: { queryTimeoutMs: 2000 },
  });
  const worker = new Worker(new URL(import.meta.url), { workerData: { port: server.port, domain, seconds, rate } });
  const result = new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const device = new VirtualDevice({ deviceId: legitId, password: "pw", serverHost: "127.0.0.1", serverPort: server.port, serverId: SERVER_ID, domain, localHost: "127.0.0.3", keepaliveInterval: false });
  const started = performance.now();
  let registerMs;
  try {
    await device.start();
    registerMs = performance.now() - started;
  } catch (err) {
    console.log(`legitimate device failed to register during the storm: ${err.message}`);
  }
  const { sent, answers, ms } = await result;
  const outcomes = Object.fromEntries(
    ((await metrics.getSingleMetric("ivc_sip_register_total")?.get())?.values ?? []).map(({ labels, value }) => [labels.result, value]),
  );
  const refused = (outcomes.throttled ?? 0) + (outcomes["unknown-backed-off"] ?? 0) + (outcomes["unknown-device"] ?? 0);
  console.log(`storm from 127.0.0.2: ${sent} REGISTERs of unknown codes in ${(ms / 1000).toFixed(1)} s (${Math.round((sent / ms) * 1000)}/s sent${rate ? `, paced at ${rate}/s` : ", unpaced"})`);
  console.log(
    `storm refused: ${Math.round((refused / ms) * 1000)} REGISTER/s refused by the server (${outcomes.throttled ?? 0} throttled, ` +
      `${outcomes["unknown-backed-off"] ?? 0} unknown code backed off, ${outcomes["unknown-device"] ?? 0} unknown after a lookup); ` +
      `${lookups} API lookups in all; the storm heard ${answers[503] ?? 0} × 503, ${answers[403] ?? 0} × 403, ${answers[200] ?? 0} × 200 (the rest dropped unanswered, dropped before parsing over SIP_UDP_RATE, or lost in loopback UDP)`,
  );
  console.log(`legitimate device on 127.0.0.3 during the storm: ${registerMs === undefined ? "not registered" : `registered in ${registerMs.toFixed(1)} ms`} (REGISTER, 401, REGISTER with digest, 200)`);
  await device.stop().catch(() => undefined);
  api.unsubscribe();
  await server.close();
  const keys = await redis.keys(`ivc:sip:${clusterId}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await nc.drain();
  process.exit(registerMs === undefined ? 1 : 0);
}

/** Unknown codes from one socket on 127.0.0.2, as fast as the socket takes them. */
async function storm({ port, domain, seconds, rate }) {
  const sip = await dist("packages/sip/dist/index.js");
  const socket = createSocket("udp4");
  await new Promise((resolve) => socket.bind(0, "127.0.0.2", resolve));
  socket.setRecvBufferSize(8 * 1024 * 1024);
  const localPort = socket.address().port;
  const answers = {};
  socket.on("message", (bytes) => {
    const parsed = sip.parseSipMessage(bytes);
    if (parsed.ok && parsed.message.kind === "response") answers[parsed.message.status] = (answers[parsed.message.status] ?? 0) + 1;
  });
  let sent = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    for (let i = 0; i < 50; i++) {
      const id = `${domain}132${String(1_000_000 + (sent++ % 8_999_999)).padStart(7, "0")}`;
      const request = sip.createRequest({
        method: "REGISTER",
        uri: `sip:${SERVER_ID}@${domain}`,
        via: { protocol: "SIP/2.0", transport: "UDP", host: "127.0.0.2", port: localPort, params: { branch: sip.generateBranch(), rport: null } },
        from: { uri: `sip:${id}@${domain}`, params: { tag: `t${sent}` } },
        to: { uri: `sip:${id}@${domain}`, params: {} },
        callId: `storm-${sent}`,
        cseq: 1,
        contact: { uri: `sip:${id}@127.0.0.2:${localPort}`, params: {} },
        headers: [["Expires", "3600"]],
      });
      socket.send(sip.serializeSipMessage(request), port, "127.0.0.1");
    }
    const due = rate ? started + (sent / rate) * 1000 : 0;
    const wait = due - performance.now();
    await new Promise((resolve) => (wait > 1 ? setTimeout(resolve, wait) : setImmediate(resolve)));
  }
  const ms = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 500));
  socket.close();
  parentPort.postMessage({ sent, answers, ms });
}
