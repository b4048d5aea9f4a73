#!/usr/bin/env node
// Media relay bench (issue 5 "Bench"), loopback only, bounded in streams and time (a few minutes).
//
// The relay runs alone in a child process; simulated cameras (PS over RTP/UDP, a 2 Mbit/s H.264
// 1280x720 25 fps test picture, GOP 1 s) and one HTTP-FLV viewer per stream run in the load
// generator: the C program loadgen.c when this machine has a C compiler (`cc`, built on demand),
// else two worker threads of this process (senders.mjs, viewers.mjs). The stream count is ramped in steps; each step reports RTP loss (the
// relay's receivers, plus the kernel's UDP receive-buffer drops), viewer throughput, and the relay
// process's CPU, event-loop utilisation and RSS, and the load generator's own CPU. The ramp stops at the first step with loss or a
// saturated relay; the largest step without loss is printed.
//
// Idle-channel first frame: the relay's on-demand path with a fake sip-server answering
// `sip.invite` for this bench's cluster the way a camera answers an INVITE (it starts sending to
// the leased port, from a keyframe). Measured from opening the FLV URL of an idle channel to the
// first complete video keyframe tag, on an unloaded relay and again under the largest clean load.
//
// Needs NATS and Redis (NATS_URL, REDIS_URL; defaults on 127.0.0.1), ffmpeg, and `npx tsc -b` first.
//   node bench/media/run.mjs
// env: BENCH_MEDIA_STEPS=50,100,150,200,250,300,400,500,600,800  BENCH_MEDIA_MAX=800  BENCH_MEDIA_BUDGET=300 (s)
//      BENCH_MEDIA_WINDOW=8 (s measured per step)  BENCH_MEDIA_WARMUP=3 (s)  BENCH_MEDIA_FIRST_FRAMES=30
//      BENCH_MEDIA_ELU_LIMIT=0.9 (event-loop utilisation counted as saturated)
//      BENCH_MEDIA_LOADGEN=c|node (the load generator; default C when it builds, else Node)
import { randomUUID } from "node:crypto";
import { get } from "node:http";
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { Bus, connectNats, mediaClose, mediaOpen } from "@ivc/bus";
import { createLogger } from "@ivc/runtime";
import { fakeSignaling, firstKeyframeOf, kernelUdpDrops, relayNodeArgs, startRelayProcess, streamLoad } from "./harness.mjs";
import { startLoadGenerator } from "./load-generator.mjs";
import { startZlm } from "./zlm-target.mjs";
import { benchClip } from "./source.mjs";

const env = (name, fallback) => process.env[name] ?? fallback;
const STEPS = env("BENCH_MEDIA_STEPS", "50,100,150,200,250,300,400,500,600,800").split(",").map(Number);
const MAX = Number(env("BENCH_MEDIA_MAX", 800));
const BUDGET_MS = Number(env("BENCH_MEDIA_BUDGET", 300)) * 1000;
const WINDOW_MS = Number(env("BENCH_MEDIA_WINDOW", 8)) * 1000;
const WARMUP_MS = Number(env("BENCH_MEDIA_WARMUP", 3)) * 1000;
const FIRST_FRAMES = Number(env("BENCH_MEDIA_FIRST_FRAMES", 30));
const ELU_LIMIT = Number(env("BENCH_MEDIA_ELU_LIMIT", 0.9));
/** A viewer receiving less than this share of the source's bitrate counts as losing media. */
const MIN_VIEWER_SHARE = 0.85;
const FIRST_FRAME_TIMEOUT_MS = 10_000;
const RTP_PORTS = "45000-46999";
const DEVICE_ID = "34020000001320000001";
if (STEPS.some((n) => !Number.isInteger(n) || n < 1) || MAX > 1900) throw new Error("BENCH_MEDIA_STEPS must be positive integers and BENCH_MEDIA_MAX at most 1900 (RTP port range)");

const benchStart = performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

const clip = benchClip();
console.log(`source: ${clip.size} H.264 testsrc2, 25 fps, GOP 1 s, ${clip.kbps.toFixed(0)} kbit/s (${clip.path})`);
console.log(`machine: ${availableParallelism()} CPUs; relay in its own processes (BENCH_MEDIA_WORKERS=${env("BENCH_MEDIA_WORKERS", String(availableParallelism()))} shards), cameras and viewers in the load generator`);

const clusterId = randomUUID();
console.log(`relay node flags: ${[...relayNodeArgs, env("BENCH_MEDIA_RELAY_NODE_ARGS", "")].join(" ").trim() || "(none)"}`);
const logger = createLogger("bench-media", "silent");
const nc = await connectNats({ url: env("NATS_URL", "nats://127.0.0.1:4222"), name: "bench-media", logger });
const bus = new Bus(nc, logger);

/** Our relay: streams opened the way signaling opens them (media.open), figures from its shards. */
async function startRelayTarget() {
  const { call, base } = await startRelayProcess({
    env: { BENCH_CLUSTER_ID: clusterId, BENCH_RTP_PORTS: RTP_PORTS },
    // The relay's own Node flags, then e.g. BENCH_MEDIA_RELAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/relay-prof"
    // to see where the relay's time goes.
    execArgv: [...relayNodeArgs, ...env("BENCH_MEDIA_RELAY_NODE_ARGS", "").split(" ").filter(Boolean)],
  });
  return {
    name: `our relay (${env("BENCH_MEDIA_WORKERS", String(availableParallelism()))} shard processes)`,
    base,
    viewerPrefix: "/live/",
    open: (streamId) => bus.request(mediaOpen, { clusterId }, { streamId, channelId: streamId, deviceId: DEVICE_ID, kind: "live", transport: "udp" }).then((r) => ({ port: r.port, ssrc: Number(r.ssrc) })),
    close: (streamId) => bus.request(mediaClose, { clusterId }, { streamId }).catch(() => undefined),
    sample: () => call("sample"),
    stop: () => call("close"),
  };
}
const zlmBin = process.env.BENCH_ZLM_BIN;
const target = zlmBin ? await startZlm({ bin: zlmBin, httpPort: Number(env("BENCH_ZLM_HTTP_PORT", 18080)), rtpPorts: RTP_PORTS }) : await startRelayTarget();
const base = target.base;
console.log(`target: ${target.name}`);
const generator = await startLoadGenerator({ clipPath: clip.path, base, prefix: target.viewerPrefix });
const { senders, viewers } = generator;

const signaling = fakeSignaling(bus, clusterId, senders);

let idleSequence = 0;
/** Opens the FLV URL of a channel nobody watches and times it to the first keyframe tag. */
async function firstKeyframe() {
  // The stream id the relay runs it under (and keeps its plays by): the device's channel.
  const streamId = `${DEVICE_ID}_3402000000132${String(++idleSequence).padStart(7, "0")}`;
  const { ms, error } = await firstKeyframeOf(`${base}/live/${streamId}.live.flv`, FIRST_FRAME_TIMEOUT_MS);
  return { streamId, ms, error };
}

/** The relay's play timeline (request → invite-sent → answer → first-rtp → first-keyframe → first-byte), as gaps in ms. */
async function stageGaps(streamId) {
  const body = await new Promise((resolve, reject) => {
    get(`${base}/api/plays/${streamId}`, { agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve(Buffer.concat(chunks).toString()));
    }).on("error", reject);
  });
  const stages = JSON.parse(body).plays[0]?.stages ?? [];
  return Object.fromEntries(stages.slice(1).map((s, i) => [`${stages[i].stage}→${s.stage}`, s.at - stages[i].at]));
}

/**
 * A new viewer of a stream that is already running: time from opening its FLV URL to the first
 * complete keyframe tag (the GOP cache's keyframe, sent at once), over `count` running streams.
 */
async function measureJoins(count) {
  const times = [];
  for (const streamId of load.slice(0, count)) {
    const { ms } = await firstKeyframeOf(`${base}${target.viewerPrefix}${streamId}.live.flv`, FIRST_FRAME_TIMEOUT_MS);
    if (ms !== undefined) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return { median: pct(times, 0.5), p95: pct(times, 0.95), max: times.at(-1), count: times.length };
}

async function measureFirstFrames(label) {
  const times = [];
  const errors = [];
  const gaps = {};
  for (let i = 0; i < FIRST_FRAMES; i++) {
    const r = await firstKeyframe();
    if (r.ms === undefined) errors.push(r.error);
    else times.push(r.ms);
    for (const [gap, ms] of Object.entries(await stageGaps(r.streamId))) (gaps[gap] ??= []).push(ms);
    // End it the way signaling does after a BYE, so idle-channel streams do not pile up.
    await bus.request(mediaClose, { clusterId }, { streamId: r.streamId }).catch(() => undefined);
    await senders("remove", [r.streamId]);
  }
  times.sort((a, b) => a - b);
  const failed = errors.length > 0 ? `, ${errors.length} failed (${[...new Set(errors)].join(", ")})` : "";
  const line = times.length > 0 ? `median ${pct(times, 0.5).toFixed(0)} ms, p95 ${pct(times, 0.95).toFixed(0)} ms, max ${times.at(-1).toFixed(0)} ms` : "no sample";
  console.log(`first keyframe of an idle channel (${label}): ${line} over ${times.length} channels${failed}`);
  const median = (list) => pct([...list].sort((a, b) => a - b), 0.5);
  const stages = Object.entries(gaps).filter(([gap]) => !gap.endsWith("closed")).map(([gap, list]) => `${gap} ${median(list)}`);
  console.log(`  relay timeline, median ms: ${stages.join(", ")}`);
  return { median: pct(times, 0.5), p95: pct(times, 0.95), failed: errors.length };
}

const { ids: load, grow: growLoad, shrink: shrinkLoad } = streamLoad({ open: target.open, close: target.close, senders, viewers });

async function snapshot() {
  const [r, s, v] = await Promise.all([target.sample(), senders("stats"), viewers("stats")]);
  return {
    relay: r,
    senders: s,
    viewers: v,
    kernelDrops: kernelUdpDrops(),
    at: performance.now(),
    generator: generator.usage(),
  };
}

async function step(n) {
  const before = await snapshot();
  await growLoad(n);
  await sleep(WARMUP_MS);
  const a = await snapshot();
  await sleep(WINDOW_MS);
  const b = await snapshot();
  const seconds = (b.at - a.at) / 1000;
  const relayWallMs = b.relay.at - a.relay.at;
  const cpuMs = (b.relay.cpuMicros - a.relay.cpuMicros) / 1000;
  // The busiest shard process: the first to fall behind.
  // The busiest shard process's event loop (ZLMediaKit: its busiest thread's CPU): the first to fall behind.
  const elu =
    b.relay.elu !== undefined
      ? Math.max(...b.relay.elu.map((e, i) => performance.eventLoopUtilization(e, a.relay.elu[i]).utilization))
      : Math.max(...Object.entries(b.relay.threads).map(([tid, ms]) => (ms - (a.relay.threads[tid] ?? 0)) / relayWallMs));
  const loadGen = generator.loadBetween(a.generator, b.generator);
  const kbps = load.map((id) => (((b.viewers.bytes[id] ?? 0) - (a.viewers.bytes[id] ?? 0)) * 8) / seconds / 1000).sort((x, y) => x - y);
  const row = {
    n,
    inMbps: ((b.senders.sentBytes - a.senders.sentBytes) * 8) / seconds / 1e6,
    lost: b.relay.lost - before.relay.lost,
    kernelDrops: b.kernelDrops - before.kernelDrops,
    sendErrors: b.senders.sendErrors - before.senders.sendErrors,
    senderLate: b.senders.lateSlots - a.senders.lateSlots,
    viewerFailures: b.viewers.failures.length - before.viewers.failures.length,
    viewerMin: kbps[0] ?? 0,
    viewerMedian: pct(kbps, 0.5) ?? 0,
    cpu: (cpuMs / relayWallMs) * 100,
    elu,
    rssMiB: b.relay.rss / 1048576,
    // Our relay only: V8 heaps reserved and Buffers' bytes outside them, summed over the shards.
    heapMiB: b.relay.heap / 1048576,
    externalMiB: b.relay.external / 1048576,
    loadGenCpu: loadGen.cpu,
    loadGenDetail: loadGen.detail,
    streams: b.relay.streams,
    shards: b.relay.shards,
  };
  const problems = [];
  if (row.lost > 0) problems.push(`${row.lost} RTP lost`);
  if (row.kernelDrops > 0) problems.push(`${row.kernelDrops} kernel UDP drops`);
  if (row.viewerFailures > 0) problems.push(`${row.viewerFailures} viewers failed (${b.viewers.failures.slice(-1)[0]})`);
  if (row.viewerMin < clip.kbps * MIN_VIEWER_SHARE) problems.push(`a viewer got ${row.viewerMin.toFixed(0)} kbit/s`);
  if (row.sendErrors > 0) problems.push(`${row.sendErrors} send errors`);
  const saturated = row.elu >= ELU_LIMIT;
  if (saturated) problems.push(`relay event loop ${(row.elu * 100).toFixed(0)} % busy`);
  // A sender that cannot keep up sends less than N cameras would: the step then measures too little.
  if (row.senderLate > 0) problems.push(`cameras fell behind (${row.senderLate} late slots)`);
  row.ok = problems.length === 0;
  row.problems = problems;
  return row;
}

const header = "streams (per shard) | in Mbit/s | RTP lost | kernel drops | viewer kbit/s min/median | relay CPU % (1 core = 100) | CPU %/stream | event loop | RSS MiB | load gen CPU % (of what) | result";
const print = (r) =>
  console.log(
    `${`${r.n} (${r.shards.join("/")})`.padStart(19)} | ${r.inMbps.toFixed(0).padStart(9)} | ${String(r.lost).padStart(8)} | ${String(r.kernelDrops).padStart(12)} | ${`${r.viewerMin.toFixed(0)} / ${r.viewerMedian.toFixed(0)}`.padStart(24)} | ${r.cpu.toFixed(0).padStart(26)} | ${(r.cpu / r.n).toFixed(3).padStart(12)} | ${`${(r.elu * 100).toFixed(0)} %`.padStart(10)} | ${r.rssMiB.toFixed(0).padStart(7)} | ${`${r.loadGenCpu.toFixed(0)} (${r.loadGenDetail})`.padStart(37)} | ${r.ok ? "ok" : r.problems.join("; ")}`,
  );

try {
  // ZLMediaKit has no on-demand INVITE of its own (WVP asks openRtpServer first): relay only.
  const idle = zlmBin ? {} : await measureFirstFrames("unloaded relay");
  console.log(`\nramp: ${WARMUP_MS / 1000} s warm-up + ${WINDOW_MS / 1000} s measured per step, one HTTP-FLV viewer per stream`);
  console.log(header);
  const rows = [];
  for (const n of STEPS.filter((s) => s <= MAX)) {
    const elapsed = performance.now() - benchStart;
    const stepCost = WARMUP_MS + WINDOW_MS + n * 10;
    if (elapsed + stepCost + FIRST_FRAMES * 600 > BUDGET_MS) {
      console.log(`(stopping before ${n} streams: time budget of ${BUDGET_MS / 1000} s)`);
      break;
    }
    const row = await step(n);
    rows.push(row);
    print(row);
    if (!row.ok) break;
  }
  const best = rows.filter((r) => r.ok).at(-1);
  let loaded;
  let joins;
  if (best !== undefined) {
    await shrinkLoad(best.n);
    await sleep(2000);
    if (!zlmBin) loaded = await measureFirstFrames(`${best.n} streams running`);
    joins = await measureJoins(Math.min(best.n, 100));
  } else {
    await shrinkLoad(0);
  }
  console.log("\nsummary");
  const last = rows.at(-1);
  const onlySaturated = last !== undefined && !last.ok && last.problems.every((p) => p.startsWith("relay event loop"));
  const why = last?.ok ? " (every step passed; raise BENCH_MEDIA_STEPS/MAX to find the limit)" : onlySaturated ? ` (${last.n} streams had no loss either, but the relay's event loop was ${(last.elu * 100).toFixed(0)} % busy)` : "";
  console.log(`  largest N with no loss and the busiest event loop (thread) below ${(ELU_LIMIT * 100).toFixed(0)} % event-loop use: ${best?.n ?? "none"}${why}`);
  if (best !== undefined) {
    console.log(`  at ${best.n} streams: ${target.name} CPU ${best.cpu.toFixed(0)} % of one core (${(best.cpu / best.n).toFixed(3)} % per stream), event loop ${(best.elu * 100).toFixed(0)} % busy, RSS ${best.rssMiB.toFixed(0)} MiB${Number.isFinite(best.heapMiB) ? ` (V8 heaps ${best.heapMiB.toFixed(0)} MiB, Buffers ${best.externalMiB.toFixed(0)} MiB)` : ""}`);
    console.log(`  load generator (${generator.name}) ${(best.loadGenCpu / best.n).toFixed(3)} % CPU per stream on the same machine`);
  }
  if (!zlmBin) console.log(`  idle channel → first keyframe: median ${idle.median?.toFixed(0)} ms, p95 ${idle.p95?.toFixed(0)} ms unloaded${loaded ? `; median ${loaded.median?.toFixed(0)} ms, p95 ${loaded.p95?.toFixed(0)} ms with ${best.n} streams running` : ""}`);
  if (joins !== undefined) console.log(`  new viewer of a running stream (${best.n} running) → first keyframe: median ${joins.median?.toFixed(1)} ms, p95 ${joins.p95?.toFixed(1)} ms, max ${joins.max?.toFixed(1)} ms over ${joins.count} streams`);
  console.log(`  targets (issue 13): no loss wherever ZLMediaKit has none (≥ 400 here), joins p95 ≤ 10 ms with 100 running`);
} finally {
  signaling.forEach((s) => s.unsubscribe());
  await generator.stop();
  await target.stop();
  await nc.drain();
}
