#!/usr/bin/env node
// Stream-lifecycle churn of the media relay: does it give back everything a stream took? Loopback
// only, bounded in cycles and time (about a minute and a half with the defaults).
//
// The relay runs alone in a child process (its package.json `ivc.nodeArgs` plus --expose-gc); the
// cameras run in the load generator (load-generator.mjs: loadgen.c, or the senders.mjs worker). BENCH_CHURN_LANES lanes repeat stream cycles
// concurrently, alternating two lifecycles on the lane's own channel:
// - on demand: a viewer opens the HTTP-FLV URL of the idle channel, the fake sip-server answers the
//   relay's INVITE with a camera sending from a keyframe, the viewer leaves at its first keyframe,
//   and the relay ends the stream by itself (no viewer for 1 s), sending the BYE that stops the camera;
// - by signaling: media.open of a new stream id (as sip-server does for an API play), a camera
//   sends, a viewer leaves at its first keyframe, media.close ends the stream, the camera stops.
// Every stream id of the second kind is new, so anything kept per stream id shows; channels repeat,
// so the plays kept per channel must stop at their cap. As on a real host, another program holds
// some ports of the relay's RTP range: the relay meets them as its port cursor comes round and must
// move on to the next port without keeping anything of the failed bind.
//
// After each quarter of the cycles the lanes pause until the relay runs no stream and released
// ports have rested; then the relay process runs global.gc() and reports (IPC) heap, external and
// array-buffer memory, RSS, active handles by type, streams, metric series, plays kept, its leases
// in Redis and its open UDP/TCP sockets. The first quarter is the warm-up: growth per stream cycle
// is printed from there to the end. A relay without leaks shows 0 for every count and a heap that
// levels off; the bench exits 1 when a count grew.
//
// Needs NATS and Redis (NATS_URL, REDIS_URL; defaults on 127.0.0.1), ffmpeg, and `npx tsc -b` first.
//   node bench/media/churn.mjs       (also run by `npm run bench` after the media bench)
// env: BENCH_CHURN_CYCLES=2000  BENCH_CHURN_LANES=20 (cycles at once)  BENCH_CHURN_BUDGET=170 (s)
//      BENCH_MEDIA_LOADGEN=c|node (as bench/media/run.mjs)
import { randomUUID } from "node:crypto";
import { createSocket } from "node:dgram";
import { performance } from "node:perf_hooks";
import { Bus, connectNats, mediaClose, mediaOpen } from "@ivc/bus";
import { createLogger } from "@ivc/runtime";
import { fakeSignaling, firstKeyframeOf, relayNodeArgs, startRelayProcess } from "./harness.mjs";
import { startLoadGenerator } from "./load-generator.mjs";
import { benchClip } from "./source.mjs";

const int = (name, fallback, max) => {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name} must be an integer from 1 to ${max}`);
  return n;
};
const CYCLES = int("BENCH_CHURN_CYCLES", 2000, 1_000_000);
const LANES = int("BENCH_CHURN_LANES", 20, 400);
const BUDGET_MS = int("BENCH_CHURN_BUDGET", 170, 3600) * 1000;
const CHECKPOINTS = 4;
const RTP_PORTS = { first: 47000, last: 47999 };
/** Every this many ports of the range one is held by another socket. */
const HELD_PORT_EVERY = 50;
/** The relay's no-viewer close (s) and port rest (relay-process.mjs tuning, ms). */
const NO_VIEWER_CLOSE = 1;
const PORT_REST_MS = 1000;
/** The relay's cap on plays kept per channel (MediaRelayTuning.playsPerChannel default). */
const PLAYS_PER_CHANNEL = 20;
const KEYFRAME_TIMEOUT_MS = 10_000;
const END_TIMEOUT_MS = 10_000;
const DEVICE_ID = "34020000001320000001";

const benchStart = performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const channels = Array.from({ length: LANES }, (_, lane) => `34020000001329${String(lane).padStart(6, "0")}`);

const clip = benchClip();
const clusterId = randomUUID();
const execArgv = [...relayNodeArgs, "--expose-gc"];
const heldPorts = await Promise.all(
  Array.from({ length: Math.ceil((RTP_PORTS.last - RTP_PORTS.first + 1) / HELD_PORT_EVERY) }, (_, k) => {
    const socket = createSocket("udp4");
    return new Promise((resolve) => socket.bind(RTP_PORTS.first + k * HELD_PORT_EVERY, "127.0.0.1", () => resolve(socket)));
  }),
);
console.log(`stream churn: ${CYCLES} cycles, ${LANES} at once; camera ${clip.size} H.264 at ${clip.kbps.toFixed(0)} kbit/s; RTP ports ${RTP_PORTS.first}-${RTP_PORTS.last}, ${heldPorts.length} of them held by another socket`);
console.log(`relay node flags: ${execArgv.join(" ")}`);
const { call: relay, base } = await startRelayProcess({
  // One process: the census counts one process's memory, handles and leases.
  env: { BENCH_CLUSTER_ID: clusterId, BENCH_RTP_PORTS: `${RTP_PORTS.first}-${RTP_PORTS.last}`, BENCH_NO_VIEWER_CLOSE: String(NO_VIEWER_CLOSE), BENCH_MEDIA_WORKERS: "1" },
  execArgv,
});
const generator = await startLoadGenerator({ clipPath: clip.path });
const { senders } = generator;
const logger = createLogger("bench-media-churn", "silent");
const nc = await connectNats({ url: process.env.NATS_URL ?? "nats://127.0.0.1:4222", name: "bench-media-churn", logger });
const bus = new Bus(nc, logger);

const byeWaiters = new Map();
const signaling = fakeSignaling(bus, clusterId, senders, (streamId) => byeWaiters.get(streamId)?.());
/** Resolves true when the relay sends the BYE of `streamId`, false after END_TIMEOUT_MS. */
function byeOf(streamId) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => settle(false), END_TIMEOUT_MS);
    const settle = (sent) => {
      clearTimeout(timer);
      byeWaiters.delete(streamId);
      resolve(sent);
    };
    byeWaiters.set(streamId, () => settle(true));
  });
}

const keyframeMs = [];
const failures = [];
function viewed(streamId, { ms, error }) {
  if (error !== undefined) failures.push(`${streamId}: ${error}`);
  else keyframeMs.push(ms);
}

/** Ends a stream the way signaling does after a BYE (a failed cycle must not leave its stream running). */
async function closeStream(streamId) {
  await bus.request(mediaClose, { clusterId }, { streamId }).catch(() => undefined);
  await senders("remove", [streamId]);
}

async function onDemandCycle(channelId) {
  // The relay names the stream by device and channel (docs/api-decisions.md "Stream ids").
  const streamId = `${DEVICE_ID}_${channelId}`;
  const bye = byeOf(streamId);
  viewed(streamId, await firstKeyframeOf(`${base}/live/${channelId}.live.flv?device=${DEVICE_ID}`, KEYFRAME_TIMEOUT_MS));
  if (await bye) return;
  failures.push(`${streamId}: the relay sent no BYE within ${END_TIMEOUT_MS} ms of the viewer leaving`);
  await closeStream(streamId);
}

async function signaledCycle(streamId, channelId) {
  const reply = await bus.request(mediaOpen, { clusterId }, { streamId, channelId, deviceId: DEVICE_ID, kind: "live", transport: "udp" });
  await senders("add", [{ key: streamId, port: reply.port, ssrc: Number(reply.ssrc), startAtKeyframe: true }]);
  viewed(streamId, await firstKeyframeOf(`${base}/live/${streamId}.live.flv`, KEYFRAME_TIMEOUT_MS));
  await closeStream(streamId);
}

let started = 0;
let finished = 0;
const deadline = benchStart + BUDGET_MS;
async function runLane(lane, until) {
  while (started < until && performance.now() < deadline) {
    const cycle = started++;
    if (cycle % 2 === 0) await onDemandCycle(channels[lane]);
    else await signaledCycle(`churn${cycle}`, channels[lane]);
    finished++;
  }
}

/** Waits for the relay to run no stream and for released ports to finish resting. */
async function quiesce() {
  const giveUp = performance.now() + END_TIMEOUT_MS;
  while ((await relay("sample")).streams > 0 && performance.now() < giveUp) await sleep(100);
  await sleep(PORT_REST_MS + 500);
}

const MiB = (bytes) => (bytes / 1048576).toFixed(1);
const handleCount = (handles) => Object.values(handles).reduce((a, b) => a + b, 0);
/** The counts a stream must give back, by name: every one is 0 between cycles once the relay is idle. */
const counts = (c) => ({
  handles: handleCount(c.handles),
  streams: c.streams,
  "metric series": c.series,
  "port leases": c.leases.ports,
  "resting ports": c.leases.resting,
  "SSRC leases": c.leases.ssrcs,
  "socket descriptors": c.sockets.all,
  "UDP sockets": c.sockets.udp,
  "TCP sockets": c.sockets.tcp,
  cameras: c.cameras,
});

const header = "cycles | heapUsed MiB | external MiB | arrayBuffers MiB | RSS MiB | handles | streams | metric series | plays kept | port leases/resting | SSRC leases | sockets (UDP/TCP) | cameras sending";
const print = (c) =>
  console.log(
    `${String(c.cycles).padStart(6)} | ${MiB(c.heapUsed).padStart(12)} | ${MiB(c.external).padStart(12)} | ${MiB(c.arrayBuffers).padStart(16)} | ${MiB(c.rss).padStart(7)} | ${String(handleCount(c.handles)).padStart(7)} | ${String(c.streams).padStart(7)} | ${String(c.series).padStart(13)} | ${String(c.plays).padStart(10)} | ${`${c.leases.ports}/${c.leases.resting}`.padStart(19)} | ${String(c.leases.ssrcs).padStart(11)} | ${`${c.sockets.all} (${c.sockets.udp}/${c.sockets.tcp})`.padStart(17)} | ${String(c.cameras).padStart(15)}`,
  );

let grew = false;
try {
  console.log(`census after each quarter, the relay idle and after global.gc(); plays kept are capped at ${LANES * PLAYS_PER_CHANNEL} (${PLAYS_PER_CHANNEL} per channel)`);
  console.log(header);
  const rows = [];
  for (let quarter = 1; quarter <= CHECKPOINTS && performance.now() < deadline; quarter++) {
    const until = Math.round((CYCLES * quarter) / CHECKPOINTS);
    await Promise.all(channels.map((_, lane) => runLane(lane, until)));
    await quiesce();
    const row = { cycles: finished, ...(await relay("census", channels)), cameras: (await senders("stats")).cameras };
    rows.push(row);
    print(row);
  }
  if (finished < CYCLES) console.log(`(stopped after ${finished} cycles: time budget of ${BUDGET_MS / 1000} s)`);
  keyframeMs.sort((a, b) => a - b);
  const failed = failures.length > 0 ? `; ${failures.length} failed, e.g. ${failures.slice(0, 3).join("; ")}` : "";
  console.log(`viewer's first keyframe: median ${pct(keyframeMs, 0.5)?.toFixed(0)} ms, p95 ${pct(keyframeMs, 0.95)?.toFixed(0)} ms over ${keyframeMs.length} cycles${failed}`);
  const [warm, end] = [rows[0], rows.at(-1)];
  const span = end.cycles - warm.cycles;
  if (span === 0) throw new Error("no cycles after the warm-up: raise BENCH_CHURN_BUDGET or lower BENCH_CHURN_CYCLES");
  const perCycle = (a, b) => ((b - a) / span).toFixed(b === a ? 0 : 3);
  console.log(`\ngrowth per stream cycle, cycles ${warm.cycles} → ${end.cycles} (after the warm-up):`);
  console.log(`  memory, bytes: heapUsed ${perCycle(warm.heapUsed, end.heapUsed)}, external ${perCycle(warm.external, end.external)}, arrayBuffers ${perCycle(warm.arrayBuffers, end.arrayBuffers)}, RSS ${perCycle(warm.rss, end.rss)}`);
  // Compiled code grows the heap for a while: a leak keeps the same slope, a warming relay flattens out.
  const slopes = rows.slice(1).map((row, i) => `${rows[i].cycles}→${row.cycles} ${((row.heapUsed - rows[i].heapUsed) / (row.cycles - rows[i].cycles)).toFixed(0)}`);
  console.log(`  heapUsed bytes per cycle by quarter: ${slopes.join(", ")}`);
  const [before, after] = [counts(warm), counts(end)];
  console.log(`  counts: ${Object.keys(after).map((name) => `${name} ${perCycle(before[name], after[name])}`).join(", ")}, plays kept ${perCycle(warm.plays, end.plays)}`);
  const types = [...new Set([...Object.keys(warm.handles), ...Object.keys(end.handles)])].sort();
  console.log(`  handles by type, warm-up → end: ${types.map((t) => `${t} ${warm.handles[t] ?? 0}→${end.handles[t] ?? 0}`).join(", ")}`);
  const leaking = Object.keys(after).filter((name) => after[name] > before[name]);
  if (end.plays > LANES * PLAYS_PER_CHANNEL) leaking.push("plays kept (over the cap)");
  grew = leaking.length > 0;
  console.log(grew ? `LEAK: grew with the cycles: ${leaking.join(", ")}` : "no count grew with the cycles");
} finally {
  signaling.forEach((s) => s.unsubscribe());
  heldPorts.forEach((socket) => socket.close());
  await generator.stop();
  await relay("close");
  await nc.drain();
}
process.exit(grew ? 1 : 0);
