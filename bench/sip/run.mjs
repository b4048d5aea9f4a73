#!/usr/bin/env node
// GB28181 signaling: BENCH_SIP_DEVICES virtual devices REGISTER with digest (401 challenge, then
// credentials) as fast as they can against a sip-server started in this process on loopback; prints
// registrations/s. Then keeps them online with keepalive MESSAGEs at the rate 10,000 devices at a 60 s
// interval would send (scaled to the device count) and prints the CPU that costs.
// The devices and the fake API (deviceCredentials responder) run in a worker thread, so the main
// thread's event-loop utilisation is the server's alone; process CPU covers both threads.
// Needs NATS and Redis (NATS_URL, REDIS_URL, defaults on 127.0.0.1) and `npx tsc -b` first.
//   node bench/sip/run.mjs
// env: BENCH_SIP_DEVICES=10000, BENCH_SIP_WINDOW=64 (REGISTERs in flight), BENCH_SIP_KEEPALIVE_SECONDS=15
import { randomInt, randomUUID } from "node:crypto";
import { createSocket } from "node:dgram";
import { performance } from "node:perf_hooks";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

const dist = (path) => import(new URL(`../../${path}`, import.meta.url).href);
const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const SERVER_ID = "34020000002000000001";
const HARD_LIMIT_MS = 180_000;

const int = (name, fallback, max) => {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name} must be an integer from 1 to ${max}`);
  return n;
};

if (isMainThread) await runServer();
else await runDevices(workerData);

async function runServer() {
  const devices = int("BENCH_SIP_DEVICES", 10_000, 100_000);
  const window = int("BENCH_SIP_WINDOW", 64, 4096);
  const keepaliveSeconds = int("BENCH_SIP_KEEPALIVE_SECONDS", 15, 300);
  const [{ startSipServer }, { Bus, connectNats }, { createLogger }, { Redis }] = await Promise.all([
    dist("services/sip-server/dist/server.js"),
    dist("packages/bus/dist/index.js"),
    dist("packages/runtime/dist/index.js"),
    import("ioredis"),
  ]);
  const guard = setTimeout(() => {
    console.error(`bench/sip: gave up after ${HARD_LIMIT_MS / 1000} s`);
    process.exit(1);
  }, HARD_LIMIT_MS);
  guard.unref();

  const logger = createLogger("bench-sip", "silent");
  const nc = await connectNats({ url: NATS_URL, name: "bench-sip-server", logger });
  const redis = new Redis(REDIS_URL);
  const clusterId = randomUUID();
  const domain = `34${String(randomInt(0, 99_999_999)).padStart(8, "0")}`;
  const server = await startSipServer({
    config: {
      SIP_ID: SERVER_ID,
      SIP_DOMAIN: domain,
      SIP_PORT: 0,
      SIP_BIND: "127.0.0.1",
      // Every bench device shares the loopback address: lift the per-source rate limits.
      SIP_REGISTER_RATE: 1_000_000,
      SIP_REGISTER_BURST: 1_000_000,
      SIP_UDP_RATE: 0,
      SIP_HOST: "127.0.0.1",
      KEEPALIVE_INTERVAL: 60_000,
      KEEPALIVE_MISSES: 3,
      CATALOG_TIMEOUT: 2000,
    },
    clusterId,
    logger,
    bus: new Bus(nc, logger),
    redis,
    tuning: { queryTimeoutMs: 2000 },
  });

  const worker = new Worker(new URL(import.meta.url), { workerData: { port: server.port, domain, clusterId, devices, window } });
  const ask = (message) =>
    new Promise((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.postMessage(message);
    });

  console.log(`sip-server on udp 127.0.0.1:${server.port}; ${devices} devices, ${window} REGISTERs in flight`);
  const registration = await ask({ phase: "register" });
  console.log(
    `register: ${registration.ok} of ${devices} registered in ${(registration.ms / 1000).toFixed(2)} s → ` +
      `${Math.round((registration.ok / registration.ms) * 1000)} registrations/s (2 round trips each: 401 challenge, then digest); ` +
      `${registration.failed} failed, ${registration.retransmits} retransmitted`,
  );

  // Let the catalog/DeviceInfo queries each REGISTER triggered time out before measuring.
  await new Promise((resolve) => setTimeout(resolve, 4000));
  const ratePerSecond = (devices / 60) * 1;
  const cpuBefore = process.cpuUsage();
  const eluBefore = performance.eventLoopUtilization();
  const started = performance.now();
  const keepalive = await ask({ phase: "keepalive", seconds: keepaliveSeconds, ratePerSecond });
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const elu = performance.eventLoopUtilization(eluBefore);
  const cpuPercent = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
  console.log(
    `keepalive: ${keepalive.sent} sent at ${ratePerSecond.toFixed(1)}/s (${devices} devices × 1 per 60 s) for ${keepaliveSeconds} s, ` +
      `${keepalive.ok} answered 200, ${keepalive.failed} not`,
  );
  console.log(
    `keepalive CPU: process ${cpuPercent.toFixed(1)} % of one core (server + device threads), ` +
      `server event loop busy ${(elu.utilization * 100).toFixed(1)} %; ` +
      `median answer ${keepalive.medianMs.toFixed(2)} ms, p99 ${keepalive.p99Ms.toFixed(2)} ms`,
  );
  console.log(`registered devices in Redis: ${await redis.zcard(`ivc:sip:${clusterId}:deadlines`)}`);

  await worker.terminate();
  await server.close();
  const keys = await redis.keys(`ivc:sip:${clusterId}:*`);
  for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
  redis.disconnect();
  await nc.drain();
  const failed = registration.ok < devices || keepalive.ok < keepalive.sent;
  process.exit(failed ? 1 : 0);
}

/** Many devices on one UDP socket: each is a Call-ID; responses are routed back by it. */
async function runDevices({ port, domain, clusterId, devices, window }) {
  const sip = await dist("packages/sip/dist/index.js");
  const gb = await dist("packages/gb28181/dist/index.js");
  const { connectNats, deviceCredentials } = await dist("packages/bus/dist/index.js");
  const quiet = { info() {}, warn() {}, debug() {} };
  const nc = await connectNats({ url: NATS_URL, name: "bench-sip-devices", logger: quiet });
  const idOf = (i) => `${domain}132${String(i).padStart(7, "0")}`;
  const passwordOf = (id) => `pw-${id.slice(-7)}`;
  // The fake API: answers deviceCredentials on this run's cluster subject.
  nc.subscribe(deviceCredentials.subject({ clusterId }), {
    callback: (_err, msg) => {
      const { deviceId } = JSON.parse(new TextDecoder().decode(msg.data));
      if (!deviceId.startsWith(domain)) return;
      const data = { found: true, clusterId, enabled: true, password: passwordOf(deviceId), deviceType: "IPC", transport: "udp" };
      msg.respond(JSON.stringify({ ok: true, data }));
    },
  });
  await nc.flush();

  const socket = createSocket("udp4");
  await new Promise((resolve) => socket.bind(0, "127.0.0.1", resolve));
  socket.setRecvBufferSize(8 * 1024 * 1024);
  socket.setSendBufferSize(8 * 1024 * 1024);
  const localPort = socket.address().port;
  const server = { address: "127.0.0.1", port };
  const pending = new Map();
  const send = (message) => socket.send(sip.serializeSipMessage(message), server.port, server.address);

  socket.on("message", (bytes) => {
    const parsed = sip.parseSipMessage(bytes);
    if (!parsed.ok) return;
    const message = parsed.message;
    if (message.kind === "request") {
      // Queries and SUBSCRIBEs from the server after each REGISTER: acknowledge, answer nothing.
      if (message.method !== "ACK") socket.send(sip.serializeSipMessage(sip.createResponse(message, 200)), port, "127.0.0.1");
      return;
    }
    const key = `${sip.getHeader(message, "Call-ID")}|${sip.getHeader(message, "CSeq")}`;
    const waiter = pending.get(key);
    if (waiter && message.status >= 200) {
      pending.delete(key);
      waiter(message);
    }
  });

  let retransmits = 0;
  /** Sends until a final response (UDP on a loaded loopback drops too), at most 6 tries. */
  const transact = (request) =>
    new Promise((resolve) => {
      const key = `${sip.getHeader(request, "Call-ID")}|${sip.getHeader(request, "CSeq")}`;
      let tries = 0;
      let timer;
      const attempt = () => {
        if (tries++ >= 6) {
          pending.delete(key);
          resolve(undefined);
          return;
        }
        if (tries > 1) retransmits++;
        send(request);
        timer = setTimeout(attempt, 1000 * tries);
      };
      pending.set(key, (response) => {
        clearTimeout(timer);
        resolve(response);
      });
      attempt();
    });

  const request = (id, method, cseq, callId, headers, body) =>
    sip.createRequest({
      method,
      uri: `sip:${SERVER_ID}@${domain}`,
      via: { protocol: "SIP/2.0", transport: "UDP", host: "127.0.0.1", port: localPort, params: { branch: sip.generateBranch(), rport: null } },
      from: { uri: `sip:${id}@${domain}`, params: { tag: `t${id.slice(-7)}` } },
      to: { uri: method === "REGISTER" ? `sip:${id}@${domain}` : `sip:${SERVER_ID}@${domain}`, params: {} },
      callId,
      cseq,
      contact: { uri: `sip:${id}@127.0.0.1:${localPort}`, params: {} },
      headers,
      ...(body ? { body, contentType: "Application/MANSCDP+xml" } : {}),
    });

  const register = async (i) => {
    const id = idOf(i);
    const callId = `reg-${id}`;
    const first = await transact(request(id, "REGISTER", 1, callId, [["Expires", "3600"]]));
    if (first?.status !== 401) return false;
    const authorization = sip.buildDigestAuthorization({
      challenge: sip.getHeader(first, "WWW-Authenticate") ?? "",
      username: id,
      password: passwordOf(id),
      method: "REGISTER",
      uri: `sip:${SERVER_ID}@${domain}`,
    });
    const second = await transact(request(id, "REGISTER", 2, callId, [["Expires", "3600"], ["Authorization", authorization]]));
    return second?.status === 200;
  };

  const phases = {
    async register() {
      let next = 0;
      let ok = 0;
      let failed = 0;
      const started = performance.now();
      const lane = async () => {
        while (next < devices) {
          const i = ++next;
          if (await register(i)) ok++;
          else failed++;
        }
      };
      await Promise.all(Array.from({ length: Math.min(window, devices) }, lane));
      return { ok, failed, retransmits, ms: performance.now() - started };
    },
    async keepalive({ seconds, ratePerSecond }) {
      const total = Math.round(seconds * ratePerSecond);
      const latencies = [];
      let ok = 0;
      let failed = 0;
      const started = performance.now();
      const inFlight = [];
      for (let k = 0; k < total; k++) {
        const due = started + (k / ratePerSecond) * 1000;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
        const id = idOf((k % devices) + 1);
        const body = gb.buildKeepaliveNotify({ sn: k + 1, deviceId: id, status: "OK" });
        const sentAt = performance.now();
        inFlight.push(
          transact(request(id, "MESSAGE", 1, `ka-${id}-${k}`, [], body)).then((response) => {
            latencies.push(performance.now() - sentAt);
            if (response?.status === 200) ok++;
            else failed++;
          }),
        );
      }
      await Promise.all(inFlight);
      latencies.sort((a, b) => a - b);
      const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
      return { sent: total, ok, failed, medianMs: at(0.5), p99Ms: at(0.99) };
    },
  };

  parentPort.on("message", async (message) => {
    parentPort.postMessage(await phases[message.phase](message));
  });
}
