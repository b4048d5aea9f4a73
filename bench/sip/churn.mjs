#!/usr/bin/env node
// Device and call lifecycle churn of the sip-server: does it give back everything a device and its
// calls took? Loopback only, bounded in cycles and time (under two minutes with the defaults).
//
// The sip-server runs alone in a child process (server-process.mjs, --expose-gc) with short
// keepalive, query and transaction timers (T1 100 ms), and cached API answers and auth back-off
// records that expire within seconds. This process is the rest of the world: the
// fake API (deviceCredentials answers, device.changed events), the fake media relay (sip.invite /
// sip.bye as the relay asks them, media.close answered, one UDP socket as the RTP sink) and
// BENCH_SIP_CHURN_LANES lanes of packages/device-sim VirtualDevices. Every cycle is a new device
// code (so anything kept per device or per Call-ID shows):
// - 1 in 10 answers the digest with a wrong password from its own loopback address until the
//   auth back-off refuses that address outright;
// - the others register with digest over UDP or TCP (alternately), answer Catalog and DeviceInfo
//   (1 in 8 answers neither, 1 in 16 drops the DeviceInfo MESSAGE so the server's transaction runs
//   to Timer F), send keepalives, get a live INVITE (sip.invite) answered by the device-sim
//   streaming responder, by a responder that answers 200 and sends nothing, or refused (486, TCP),
//   a BYE (sip.bye), a PTZ move (pulse, then the server's stop);
// - then the device unregisters (Expires 0), or goes silent until the keepalive deadline takes it
//   offline (its call still up: the server hangs it up and tells the relay), or the API disables
//   or deletes it (device.changed). A device the server dropped finally sends its un-REGISTER too.
//
// After each quarter of the cycles the lanes stop, and once no device is registered and the
// server's transaction timers (64·T1) ran out, the server process runs global.gc() and reports
// (IPC) heap, external memory, RSS, handles by type, its sockets, the sizes of its in-memory
// structures (transactions, TCP connections, query waiters, assemblies, PTZ stops, ACKs kept,
// catalog subscriptions, auth back-off records, credential cache) and its Redis keys under the
// bench's cluster namespace by kind (registrations, SN counters, dialogs…, deadline set members,
// channel owners). The first quarter is the warm-up: growth per cycle is printed from there to the
// end. A server without leaks shows 0 for every count; the bench exits 1 when a count grew.
//
// Needs NATS and Redis (NATS_URL, REDIS_URL; defaults on 127.0.0.1), ffmpeg (the camera picture)
// and `npx tsc -b` first.
//   node bench/sip/churn.mjs       (also run by `npm run bench` after the SIP bench)
// env: BENCH_SIP_CHURN_CYCLES=2000  BENCH_SIP_CHURN_LANES=40 (devices at once)  BENCH_SIP_CHURN_BUDGET=100 (s of cycles)
import { fork } from "node:child_process";
import { randomInt, randomUUID } from "node:crypto";
import { createSocket } from "node:dgram";
import { performance } from "node:perf_hooks";
import { Bus, connectNats, deviceChanged, deviceCredentials, deviceOffline, mediaClose, ptzControl, sipBye, sipInvite } from "@ivc/bus";
import { buildAnswerSdp, RegistrationError, StreamingMediaResponder, VirtualDevice } from "@ivc/device-sim";
import { createLogger } from "@ivc/runtime";
import { rpc } from "../media/harness.mjs";
import { benchClip } from "../media/source.mjs";

const int = (name, fallback, max) => {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name} must be an integer from 1 to ${max}`);
  return n;
};
const CYCLES = int("BENCH_SIP_CHURN_CYCLES", 2000, 1_000_000);
const LANES = int("BENCH_SIP_CHURN_LANES", 40, 400);
const BUDGET_MS = int("BENCH_SIP_CHURN_BUDGET", 100, 3600) * 1000;
const CHECKPOINTS = 4;
const SERVER_ID = "34020000002000000001";
const T1_MS = 100;
/** The server's auth back-off: this many wrong passwords from one address block it. */
const BACKOFF = { maxFailures: 3, windowMs: 2000, cooldownMs: 2000 };
const settings = {
  config: {
    SIP_ID: SERVER_ID,
    SIP_DOMAIN: `34${String(randomInt(0, 99_999_999)).padStart(8, "0")}`,
    SIP_PORT: 0,
    SIP_BIND: "127.0.0.1",
    // Every bench device shares the loopback address: lift the per-source rate limits.
    SIP_REGISTER_RATE: 1_000_000,
    SIP_REGISTER_BURST: 1_000_000,
    SIP_UDP_RATE: 0,
    SIP_HOST: "127.0.0.1",
    KEEPALIVE_INTERVAL: 1000,
    KEEPALIVE_MISSES: 2,
    CATALOG_TIMEOUT: 1000,
    PTZ_PULSE: 100,
  },
  tuning: {
    queryTimeoutMs: 1000,
    scanIntervalMs: 100,
    transactionTimers: { t1: T1_MS, t2: 4 * T1_MS, t4: 5 * T1_MS },
    inviteTimeoutMs: 3000,
    controlResultWaitMs: 100,
    backoff: BACKOFF,
    // Cached API answers expire before each census, as back-off records do: what is left is kept.
    credentialsCache: { ttlMs: 1000, negativeTtlMs: 1000 },
  },
};
const domain = settings.config.SIP_DOMAIN;
/** Transactions, kept ACKs and the like last 64·T1 after the traffic: wait them out before a census. */
const SETTLE_MS = 64 * T1_MS + 1500;
const STEP_TIMEOUT_MS = 8000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const benchStart = performance.now();
const clusterId = randomUUID();
const logger = createLogger("bench-sip-churn", "silent");
const nc = await connectNats({ url: process.env.NATS_URL ?? "nats://127.0.0.1:4222", name: "bench-sip-churn", logger });
const bus = new Bus(nc, logger);

const child = fork(new URL("server-process.mjs", import.meta.url), {
  env: { ...process.env, BENCH_CLUSTER_ID: clusterId, BENCH_SIP_SETTINGS: JSON.stringify(settings) },
  execArgv: ["--expose-gc"],
  stdio: ["ignore", "inherit", "inherit", "ipc"],
});
const { port: sipPort } = await new Promise((resolve, reject) => {
  child.once("message", resolve);
  child.once("exit", (code) => reject(new Error(`sip-server process exited with ${code}`)));
});
const server = rpc(child);

// The fake API: what each device code is, as deviceCredentials answers it.
const devices = new Map();
const api = bus.reply(deviceCredentials, { clusterId }, ({ deviceId }) => {
  const device = devices.get(deviceId);
  if (!device || device.deleted) return { found: false };
  return { found: true, clusterId, enabled: !device.disabled, password: device.password, deviceType: "IPC", transport: "udp" };
});

// The fake relay: an RTP sink, and media.close answered (the server sends it for calls it ended).
const sink = createSocket("udp4");
await new Promise((resolve) => sink.bind(0, "127.0.0.1", resolve));
sink.on("message", () => undefined);
let mediaCloses = 0;
const relay = bus.reply(mediaClose, { clusterId }, () => {
  mediaCloses++;
  return { closed: true };
});

const offlineWaiters = new Map();
const offline = bus.subscribe(deviceOffline, ({ deviceId, reason }) => offlineWaiters.get(deviceId)?.(reason));
/** Resolves with the reason of the device's next device.offline, or "none" after STEP_TIMEOUT_MS. */
function offlineOf(deviceId) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => settle("none"), STEP_TIMEOUT_MS);
    const settle = (reason) => {
      clearTimeout(timer);
      offlineWaiters.delete(deviceId);
      resolve(reason);
    };
    offlineWaiters.set(deviceId, settle);
  });
}
await nc.flush();

const clip = benchClip();
const streaming = new StreamingMediaResponder({ video: clip.path });
await streaming.prepare();
/** Answers 200 with an SDP and never sends a packet (a camera whose encoder is stuck). */
const answerOnly = {
  answerInvite: (offer) => ({
    status: 200,
    contentType: "APPLICATION/SDP",
    body: Buffer.from(buildAnswerSdp({ channelId: offer.channelId, sessionName: "Play", ip: offer.localAddress, port: 9, tcp: false, ssrc: offer.sdp?.ssrc ?? "0000000001" })),
  }),
};
const refusing = { answerInvite: () => ({ status: 486 }) };

const failures = [];
const fail = (cycle, what) => failures.push(`cycle ${cycle}: ${what}`);
const outcomes = { registered: 0, backedOff: 0, invites: 0, refused: 0, streamed: 0, ptz: 0 };
const endings = {};

/** Resolves true once `test()` holds (polled), false after STEP_TIMEOUT_MS. */
async function until(test) {
  const giveUp = performance.now() + STEP_TIMEOUT_MS;
  while (!test()) {
    if (performance.now() > giveUp) return false;
    await sleep(20);
  }
  return true;
}

/**
 * A device on its own loopback address answers the challenge wrongly until the back-off blocks the
 * address; then the right password from there is refused too.
 */
async function wrongPasswordCycle(cycle, deviceId, address) {
  const options = { deviceId, password: devices.get(deviceId).password, serverHost: "127.0.0.1", serverPort: sipPort, serverId: SERVER_ID, domain, localHost: address, keepaliveInterval: false };
  const refused = async (device) => {
    try {
      await device.start();
      await device.stop();
      return false;
    } catch (err) {
      if (!(err instanceof RegistrationError)) throw err;
      return err.status === 403;
    }
  };
  const guesser = new VirtualDevice({ ...options, wrongPassword: true });
  for (let attempt = 0; attempt < BACKOFF.maxFailures; attempt++) if (!(await refused(guesser))) fail(cycle, "a wrong password was not refused");
  if (await refused(new VirtualDevice(options))) outcomes.backedOff++;
  else fail(cycle, "the right password was not refused from a backed-off address");
}

/** What a cycle does, by its number. */
function planOf(cycle) {
  const endingsByTurn = ["unregister", "silent", "unregister", "disabled", "unregister", "silent", "deleted", "unregister"];
  return {
    transport: cycle % 2 === 0 ? "udp" : "tcp",
    mute: cycle % 8 === 3,
    dropDeviceInfo: cycle % 16 === 7,
    controlResult: cycle % 3 === 0,
    // Refusals over TCP only: over UDP the refused INVITE's transaction rightly lingers for Timer D
    // (32 s, RFC 3261 §17.1.1.2), longer than the bench waits before a census.
    responder: cycle % 2 === 1 && Math.floor(cycle / 3) % 4 === 3 ? refusing : [streaming, answerOnly, streaming, answerOnly][Math.floor(cycle / 3) % 4],
    ending: endingsByTurn[Math.floor(cycle / 2) % endingsByTurn.length],
  };
}

async function deviceCycle(cycle, deviceId) {
  const plan = planOf(cycle);
  const device = new VirtualDevice({
    deviceId,
    password: devices.get(deviceId).password,
    serverHost: "127.0.0.1",
    serverPort: sipPort,
    serverId: SERVER_ID,
    domain,
    transport: plan.transport,
    localHost: "127.0.0.1",
    // A silent device sends its keepalives by hand, then stops.
    keepaliveInterval: plan.ending === "silent" ? false : 0.4,
    ...(plan.mute ? { muteCmdTypes: ["Catalog", "DeviceInfo"] } : {}),
    ...(plan.dropDeviceInfo ? { dropCmdTypes: ["DeviceInfo"] } : {}),
    ...(plan.controlResult ? { deviceControlResult: "OK" } : {}),
    mediaResponder: plan.responder,
    journalLimit: 20,
    stopTimeoutMs: 1000,
  });
  device.on("warning", () => undefined);
  const seen = new Set();
  const answered = new Set();
  device.on("messageReceived", (entry) => entry.manscdp?.ok && seen.add(entry.manscdp.cmdType));
  device.on("queryAnswered", (query) => answered.add(query.cmdType));
  try {
    await device.start();
  } catch (err) {
    fail(cycle, `register: ${err.message}`);
    return;
  }
  outcomes.registered++;
  try {
    if (!(await until(() => seen.has("Catalog") && seen.has("DeviceInfo")))) fail(cycle, "no Catalog and DeviceInfo queries after REGISTER");
    if (!plan.mute && !plan.dropDeviceInfo && !(await until(() => answered.has("Catalog") && answered.has("DeviceInfo")))) {
      fail(cycle, "the queries were not answered");
    }
    for (let k = 0; k < 2; k++) {
      const status = await device.sendKeepalive();
      if (status !== 200) fail(cycle, `keepalive answered ${status}`);
    }
    const channelId = device.channels[0].id;
    const ssrc = `0${String(cycle % 1e9).padStart(9, "0")}`;
    const invite = { streamId: `churn${cycle}`, channelId, deviceId, mediaIp: "127.0.0.1", mediaPort: sink.address().port, ssrc, transport: "udp", kind: "live" };
    const call = await bus.request(sipInvite, { clusterId }, invite, { timeoutMs: STEP_TIMEOUT_MS }).then(
      (reply) => reply,
      (err) => err,
    );
    if (plan.responder === refusing) {
      if (call.remoteCode === "sip_486") outcomes.refused++;
      else fail(cycle, `refused INVITE: ${call.remoteCode ?? call.message ?? "answered"}`);
    } else if (call.callId === undefined) {
      fail(cycle, `INVITE: ${call.message}`);
    } else {
      outcomes.invites++;
      if (plan.responder === streaming && (await until(() => streaming.active.some((info) => info.channelId === channelId)))) outcomes.streamed++;
      // A silent device keeps its call: going offline must end it.
      if (plan.ending !== "silent") {
        const { sent } = await bus.request(sipBye, { clusterId }, { callId: call.callId, streamId: invite.streamId, reason: "bench" });
        if (!sent) fail(cycle, "sip.bye found no dialog");
      }
    }
    await bus.request(ptzControl, { clusterId }, { deviceId, channelId, action: "left", speed: 4, pulseMs: 50 }, { timeoutMs: STEP_TIMEOUT_MS });
    if (await until(() => device.ptzLog.length >= 2)) outcomes.ptz++;
    else fail(cycle, "no PTZ stop after the move");
    await end(cycle, device, plan.ending);
  } catch (err) {
    fail(cycle, err.message);
  } finally {
    await device.stop();
  }
}

async function end(cycle, device, ending) {
  const { deviceId } = device;
  const wentOffline = offlineOf(deviceId);
  if (ending === "unregister") await device.stop();
  if (ending === "disabled") devices.get(deviceId).disabled = true;
  if (ending === "deleted") devices.get(deviceId).deleted = true;
  if (ending === "disabled" || ending === "deleted") bus.publish(deviceChanged, { deviceId, change: ending === "deleted" ? "deleted" : "upserted", at: Date.now() });
  const reason = await wentOffline;
  const expected = { unregister: "unregistered", silent: "keepalive-timeout", disabled: "disabled", deleted: "deleted" }[ending];
  if (reason !== expected) fail(cycle, `${ending}: device.offline reason ${reason}, expected ${expected}`);
  endings[ending] = (endings[ending] ?? 0) + 1;
}

let wrongAddresses = 0;
async function cycleOf(cycle) {
  const deviceId = `${domain}132${String(cycle).padStart(7, "0")}`;
  devices.set(deviceId, { password: `pw${cycle}` });
  try {
    if (cycle % 10 === 9) {
      const n = wrongAddresses++;
      await wrongPasswordCycle(cycle, deviceId, `127.${10 + Math.floor(n / 62500)}.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`);
    } else {
      await deviceCycle(cycle, deviceId);
    }
  } finally {
    devices.delete(deviceId);
  }
}

let started = 0;
let finished = 0;
const deadline = benchStart + BUDGET_MS;
async function runLane(until) {
  while (started < until && performance.now() < deadline) {
    await cycleOf(started++);
    finished++;
  }
}

const MiB = (bytes) => (bytes / 1048576).toFixed(1);
const sum = (record) => Object.values(record).reduce((a, b) => a + b, 0);
/** Every count a finished cycle must give back, by name. */
function counts(c) {
  const keys = Object.fromEntries(Object.entries(c.redis.kinds).map(([kind, n]) => [`redis ${kind} keys`, n]));
  return {
    handles: sum(c.handles),
    "socket descriptors": c.sockets.all,
    "UDP sockets": c.sockets.udp,
    "TCP sockets": c.sockets.tcp,
    ...c.retained,
    ...keys,
    "deadline set members": c.redis.deadlines,
    "channel owners": c.redis.channelOwners,
  };
}

let grew = false;
try {
  console.log(`sip churn: ${CYCLES} device cycles, ${LANES} at once, sip-server on udp+tcp 127.0.0.1:${sipPort} (T1 ${T1_MS} ms, keepalive ${settings.config.KEEPALIVE_INTERVAL} ms × ${settings.config.KEEPALIVE_MISSES})`);
  const rows = [];
  for (let quarter = 1; quarter <= CHECKPOINTS && performance.now() < deadline; quarter++) {
    const target = Math.round((CYCLES * quarter) / CHECKPOINTS);
    await Promise.all(Array.from({ length: LANES }, () => runLane(target)));
    await sleep(SETTLE_MS);
    const row = { cycles: finished, ...(await server("census")) };
    rows.push(row);
    const c = counts(row);
    const nonzero = Object.entries(c).filter(([name, n]) => n > 0 && !/^handles|socket|UDP|TCP sockets/.test(name));
    console.log(
      `${String(row.cycles).padStart(6)} cycles: heapUsed ${MiB(row.heapUsed)} MiB, external ${MiB(row.external)} MiB, RSS ${MiB(row.rss)} MiB, ` +
        `handles ${c.handles}, sockets ${row.sockets.all} (UDP ${row.sockets.udp}, TCP ${row.sockets.tcp}); held: ${nonzero.map(([name, n]) => `${name} ${n}`).join(", ") || "nothing"}`,
    );
  }
  if (finished < CYCLES) console.log(`(stopped after ${finished} cycles: time budget of ${BUDGET_MS / 1000} s)`);
  console.log(
    `cycles: ${outcomes.registered} registered, ${outcomes.backedOff} wrong-password devices backed off, ${outcomes.invites} calls (${outcomes.streamed} streaming), ` +
      `${outcomes.refused} refused, ${outcomes.ptz} PTZ pulses, ${mediaCloses} media.close from the server; endings ${Object.entries(endings).map(([k, v]) => `${k} ${v}`).join(", ")}`,
  );
  if (failures.length > 0) console.log(`${failures.length} cycle steps failed, e.g.\n  ${failures.slice(0, 5).join("\n  ")}`);
  const [warm, last] = [rows[0], rows.at(-1)];
  const span = last.cycles - warm.cycles;
  if (span === 0) throw new Error("no cycles after the warm-up: raise BENCH_SIP_CHURN_BUDGET or lower BENCH_SIP_CHURN_CYCLES");
  const perCycle = (a, b) => ((b - a) / span).toFixed(b === a ? 0 : 3);
  console.log(`\ngrowth per cycle, cycles ${warm.cycles} → ${last.cycles} (after the warm-up):`);
  console.log(`  memory, bytes: heapUsed ${perCycle(warm.heapUsed, last.heapUsed)}, external ${perCycle(warm.external, last.external)}, RSS ${perCycle(warm.rss, last.rss)}`);
  const slopes = rows.slice(1).map((row, i) => `${rows[i].cycles}→${row.cycles} ${((row.heapUsed - rows[i].heapUsed) / (row.cycles - rows[i].cycles)).toFixed(0)}`);
  console.log(`  heapUsed bytes per cycle by quarter: ${slopes.join(", ")}`);
  const [before, after] = [counts(warm), counts(last)];
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  console.log(`  counts: ${names.map((name) => `${name} ${perCycle(before[name] ?? 0, after[name] ?? 0)}`).join(", ")}`);
  const types = [...new Set([...Object.keys(warm.handles), ...Object.keys(last.handles)])].sort();
  console.log(`  handles by type, warm-up → end: ${types.map((t) => `${t} ${warm.handles[t] ?? 0}→${last.handles[t] ?? 0}`).join(", ")}`);
  const leaking = names.filter((name) => (after[name] ?? 0) > (before[name] ?? 0));
  grew = leaking.length > 0;
  console.log(grew ? `LEAK: grew with the cycles: ${leaking.join(", ")}` : "no count grew with the cycles");
} finally {
  for (const subscription of [api, relay, offline]) subscription.unsubscribe();
  await streaming.close();
  sink.close();
  await server("close");
  await nc.drain();
}
process.exit(grew ? 1 : 0);
