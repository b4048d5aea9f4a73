#!/usr/bin/env node
// Recording bench (issue 15), part two: recording in a live relay. N simulated 2 Mbit/s cameras
// (PS over RTP/UDP, the media bench's 1280x720 H.264 clip, GOP 1 s) each with one HTTP-FLV viewer,
// as bench/media/run.mjs drives them (its harness and load generator), in one relay of
// BENCH_MEDIA_WORKERS shard processes; then the same N streams recorded to local disk by the relay's
// recorder, which asks this bench what to record (`recording.desired`) and has it index each
// durable segment (`recording.segment-stored`), as the API would.
//
// Each step N: live only for a measured window, then recording switched on for all N (the
// relay's /api/recordings shows them all recording), a warm-up, the same window again, recording
// off. Printed per step: RTP loss (relay receivers and kernel UDP drops), viewer throughput, relay
// CPU live and live+recording, the difference per recorded stream, write MB/s, and segments
// indexed against expected with any missing one (a hole in a stream's sequence, or a stream
// without segments). The ramp stops at the first step with loss or a missing segment.
// Target (issue 15): 300 recorded channels, recording adding ≤ 0.1 % of a core per stream.
//
// Needs NATS and Redis (NATS_URL, REDIS_URL; defaults on 127.0.0.1), and `npx tsc -b` first.
//   node bench/recording/live.mjs                                        (full ramp: several minutes, the machine to itself)
//   BENCH_RECORDING_STEPS=20 BENCH_RECORDING_WINDOW=30 node bench/recording/live.mjs   (a quick check)
// env: BENCH_RECORDING_STEPS=50,100,200,300,400  (streams per step)
//      BENCH_RECORDING_WINDOW=20 (s measured, live and recording each)  BENCH_RECORDING_WARMUP=6 (s, ≥ one segment)
//      BENCH_RECORDING_DIR=<folder on the disk to measure> (default: a temporary folder, removed after)
//      BENCH_MEDIA_WORKERS=<relay shard processes> (default one per CPU, as `npm start` runs it)
//      RECORDING_SEGMENT_SECONDS (the relay's own, default 4)  BENCH_MEDIA_RELAY_NODE_ARGS (extra Node flags of the relay, e.g. --cpu-prof)
//      BENCH_MEDIA_LOADGEN=c|node (the load generator, as bench/media/run.mjs)
import { randomUUID } from "node:crypto";
import { get } from "node:http";
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { Bus, connectNats, mediaClose, mediaOpen, recordingDesired, recordingSegmentStored } from "@ivc/bus";
import { createLogger } from "@ivc/runtime";
import { fakeSignaling, kernelUdpDrops, relayNodeArgs, startRelayProcess, streamLoad } from "../media/harness.mjs";
import { startLoadGenerator } from "../media/load-generator.mjs";
import { benchClip } from "../media/source.mjs";

const env = (name, fallback) => process.env[name] ?? fallback;
const STEPS = env("BENCH_RECORDING_STEPS", "50,100,200,300,400").split(",").map(Number);
const WINDOW_MS = Number(env("BENCH_RECORDING_WINDOW", 20)) * 1000;
const WARMUP_MS = Number(env("BENCH_RECORDING_WARMUP", 6)) * 1000;
const SEGMENT_MS = Number(env("RECORDING_SEGMENT_SECONDS", 4)) * 1000;
const WORKERS = env("BENCH_MEDIA_WORKERS", String(availableParallelism()));
/** A viewer receiving less than this share of the source's bitrate counts as losing media (as bench/media). */
const MIN_VIEWER_SHARE = 0.85;
const RECORDING_START_TIMEOUT_MS = 60_000;
const RTP_PORTS = "47000-48999";
const DEVICE_ID = "34020000001320000001";
if (STEPS.some((n) => !Number.isInteger(n) || n < 1 || n > 1900)) throw new Error("BENCH_RECORDING_STEPS must be integers from 1 to 1900 (RTP port range)");

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const clip = benchClip();
console.log(`source: ${clip.size} H.264, 25 fps, GOP 1 s, ${clip.kbps.toFixed(0)} kbit/s; machine: ${availableParallelism()} CPUs; relay: ${WORKERS} shard processes; segments ${SEGMENT_MS / 1000} s`);
console.log(`recording to: ${env("BENCH_RECORDING_DIR", "(a temporary folder: IVC_VAR_DIR/recordings of the relay)")}`);

const clusterId = randomUUID();
const logger = createLogger("bench-recording", "silent");
const nc = await connectNats({ url: env("NATS_URL", "nats://127.0.0.1:4222"), name: "bench-recording", logger });
const bus = new Bus(nc, logger);
// BENCH_MEDIA_RELAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/relay-prof" (as bench/media) shows where the relay's time goes.
const relay = await startRelayProcess({ env: { BENCH_CLUSTER_ID: clusterId, BENCH_RTP_PORTS: RTP_PORTS }, execArgv: [...relayNodeArgs, ...env("BENCH_MEDIA_RELAY_NODE_ARGS", "").split(" ").filter(Boolean)] });
const relayCall = relay.call;
const generator = await startLoadGenerator({ clipPath: clip.path, base: relay.base, prefix: "/live/" });
const { senders, viewers } = generator;

/** Stream ids as the recorder names them (`<device>_<channel>`), so viewers and recorder share each stream. */
const channelOf = (i) => `3402000000131${String(i + 1).padStart(7, "0")}`;
const load = streamLoad({
  name: (i) => `${DEVICE_ID}_${channelOf(i)}`,
  open: (streamId) => bus.request(mediaOpen, { clusterId }, { streamId, channelId: streamId.split("_")[1], deviceId: DEVICE_ID, kind: "live", transport: "udp" }).then((r) => ({ port: r.port, ssrc: Number(r.ssrc) })),
  close: (streamId) => bus.request(mediaClose, { clusterId }, { streamId }).catch(() => undefined),
  senders,
  viewers,
});

// The API's side of recording: what to record, and the index (here: every report, with when it came).
let desired = [];
const stored = [];
const subs = [
  ...fakeSignaling(bus, clusterId, senders),
  bus.reply(recordingDesired, { clusterId }, () => ({ recordings: desired })),
  bus.reply(recordingSegmentStored, { clusterId }, (segment) => {
    stored.push({ ...segment, at: performance.now() });
    return { indexed: true };
  }),
];

function recordingsView() {
  return new Promise((resolve, reject) => {
    get(`${relay.base}/api/recordings`, { agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
    }).on("error", reject);
  });
}

async function waitUntil(what, test, timeoutMs) {
  const deadline = performance.now() + timeoutMs;
  while (!(await test())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

async function snapshot() {
  const [r, s, v] = await Promise.all([relayCall("sample"), senders("stats"), viewers("stats")]);
  return { relay: r, senders: s, viewers: v, kernelDrops: kernelUdpDrops(), at: performance.now(), wall: Date.now() };
}

/** One measured window of the running load: CPU, loss, viewer throughput. */
async function measure() {
  const a = await snapshot();
  await sleep(WINDOW_MS);
  const b = await snapshot();
  const seconds = (b.at - a.at) / 1000;
  const kbps = load.ids.map((id) => (((b.viewers.bytes[id] ?? 0) - (a.viewers.bytes[id] ?? 0)) * 8) / seconds / 1000).sort((x, y) => x - y);
  return {
    a,
    b,
    seconds,
    cpu: ((b.relay.cpuMicros - a.relay.cpuMicros) / 1000 / (b.relay.at - a.relay.at)) * 100,
    lost: b.relay.lost - a.relay.lost,
    kernelDrops: b.kernelDrops - a.kernelDrops,
    viewerFailures: b.viewers.failures.length - a.viewers.failures.length,
    viewerMin: kbps[0] ?? 0,
    inMbps: ((b.senders.sentBytes - a.senders.sentBytes) * 8) / seconds / 1e6,
    senderLate: b.senders.lateSlots - a.senders.lateSlots,
  };
}

/**
 * Segments of the recording window: for each stream, those that began in it (and could end before
 * it did), in order. A stream without one, or two consecutive ones that do not touch, is missing a segment.
 */
function segmentsOf(fromWall, toWall) {
  const byStream = new Map(load.ids.map((id) => [id, []]));
  for (const s of stored) if (s.startMs >= fromWall && s.startMs <= toWall - SEGMENT_MS - 1000) byStream.get(`${s.deviceId}_${s.channelId}`)?.push(s);
  let count = 0;
  const missing = [];
  for (const [streamId, list] of byStream) {
    list.sort((x, y) => x.startMs - y.startMs);
    count += list.length;
    if (list.length === 0) missing.push(`${streamId}: none`);
    for (let i = 1; i < list.length; i++) if (list[i].startMs !== list[i - 1].endMs) missing.push(`${streamId}: ${list[i].startMs - list[i - 1].endMs} ms hole`);
  }
  return { count, missing, expected: Math.floor((toWall - fromWall - SEGMENT_MS - 1000) / SEGMENT_MS) * load.ids.length };
}

async function step(n) {
  await load.grow(n);
  await sleep(WARMUP_MS);
  const live = await measure();

  desired = load.ids.map((streamId) => ({ deviceId: DEVICE_ID, channelId: streamId.split("_")[1], streamId, planId: "bench", transitionDays: 7, expirationDays: 0 }));
  // Each shard polls every 10 s; all N must be recording before the window.
  await waitUntil(`${n} channels recording`, async () => (await recordingsView()).recordings.filter((r) => r.state === "recording").length === n, RECORDING_START_TIMEOUT_MS);
  await sleep(WARMUP_MS);
  const firstReport = stored.length;
  const recorded = await measure();
  const reportsInWindow = stored.slice(firstReport).filter((s) => s.at <= recorded.b.at);
  const writeMBps = reportsInWindow.reduce((sum, s) => sum + s.bytes, 0) / recorded.seconds / 1e6;
  // Reports of the window's last segments arrive after it: a short drain before counting.
  await sleep(2000);
  const segments = segmentsOf(recorded.a.wall, recorded.b.wall);
  const view = await recordingsView();
  const failing = view.recordings.filter((r) => r.state !== "recording" || r.reason !== undefined).map((r) => `${r.streamId}: ${r.state} ${r.reason ?? ""}`);

  desired = [];
  await waitUntil("recording stopped", async () => (await recordingsView()).recordings.length === 0, RECORDING_START_TIMEOUT_MS);

  const problems = [];
  const notes = [];
  for (const [label, m] of [["live", live], ["recording", recorded]]) {
    if (m.lost > 0) problems.push(`${label}: ${m.lost} RTP lost`);
    if (m.kernelDrops > 0) problems.push(`${label}: ${m.kernelDrops} kernel UDP drops`);
    if (m.viewerFailures > 0) problems.push(`${label}: ${m.viewerFailures} viewers failed`);
    if (m.viewerMin < clip.kbps * MIN_VIEWER_SHARE) problems.push(`${label}: a viewer got ${m.viewerMin.toFixed(0)} kbit/s`);
    // The cameras share the machine: late slots mean a little less was sent than N cameras send, not that the relay lost any.
    if (m.senderLate > 0) notes.push(`${label}: cameras fell behind (${m.senderLate} late slots)`);
  }
  if (segments.missing.length > 0) problems.push(`${segments.missing.length} missing segments (${segments.missing[0]})`);
  if (failing.length > 0) problems.push(`${failing.length} channels not cleanly recording (${failing[0]})`);
  return { n, live, recorded, writeMBps, segments, perStream: (recorded.cpu - live.cpu) / n, ok: problems.length === 0, problems, notes };
}

const header = "streams | in Mbit/s | relay CPU % live | live+recording | recording %/stream | write MB/s | segments got/expected | result";
const print = (r) =>
  console.log(
    `${String(r.n).padStart(7)} | ${r.recorded.inMbps.toFixed(0).padStart(9)} | ${r.live.cpu.toFixed(1).padStart(16)} | ${r.recorded.cpu.toFixed(1).padStart(14)} | ${r.perStream.toFixed(3).padStart(18)} | ${r.writeMBps.toFixed(1).padStart(10)} | ${`${r.segments.count}/${r.segments.expected}`.padStart(21)} | ${[r.ok ? "ok" : r.problems.join("; "), ...r.notes].join("; ")}`,
  );

try {
  console.log(`\nper step: ${WARMUP_MS / 1000} s warm-up + ${WINDOW_MS / 1000} s live, then recording on, ${WARMUP_MS / 1000} s warm-up + ${WINDOW_MS / 1000} s recorded; one HTTP-FLV viewer per stream throughout`);
  console.log(header);
  const rows = [];
  for (const n of STEPS) {
    const row = await step(n);
    rows.push(row);
    print(row);
    if (!row.ok) break;
  }
  const best = rows.filter((r) => r.ok).at(-1);
  console.log("\nsummary");
  console.log(`  largest N recorded without RTP loss or a missing segment: ${best?.n ?? "none"}${rows.at(-1)?.ok ? " (every step passed; raise BENCH_RECORDING_STEPS to find the limit)" : ""}`);
  if (best !== undefined) {
    console.log(`  at ${best.n} streams: relay CPU ${(best.live.cpu / best.n).toFixed(3)} % of a core per stream live, ${(best.recorded.cpu / best.n).toFixed(3)} % recorded too; recording adds ${best.perStream.toFixed(3)} % per stream; ${best.writeMBps.toFixed(1)} MB/s written`);
  }
  console.log("  target (issue 15): 300 recorded channels, recording adding ≤ 0.100 % of a core per stream");
} finally {
  subs.forEach((s) => s.unsubscribe());
  await load.shrink(0);
  await generator.stop();
  await relayCall("close");
  await nc.drain();
}
