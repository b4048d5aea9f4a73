#!/usr/bin/env node
// AI end-to-end bench (issue 17): latency from a frame's arrival at the relay's analyser to the
// task's callback at its receiver, through the real path: the relay's Analyser (keyframe decode by
// ffmpeg, JPEG stored on disk, COCO detection on tfjs-wasm) reports `api.ai.result` over a
// nats-server of its own to the API's AI bus handler (serveAiBus) on a scratch PostgreSQL database,
// which stores the result and POSTs the signed A8 callback (CallbackDispatcher) to an HTTP receiver
// here. The API's task, channel and device are made by its store code; the recorder's open stream is
// a stand-in session the bench feeds the keyframe of a 640x360 H.264 clip made from the photo of
// people shipped in @vladmandic/human, and the recording plan a stand-in list naming the channel.
// One snapshot at a time (the next keyframe once the last one is done), so the figure is the
// path's own latency without queueing; the analyser's clock moves one TimeInterval per keyframe.
// A first snapshot (model already loaded) warms up ffmpeg, the database pool and the JIT, and is
// not counted. bench/ai/run.mjs measures CPU per snapshot and channels per core.
//   npx tsc -b && npx tsx bench/ai/end-to-end.mjs   (tsx: it reuses test/support/private-nats.ts)
// env: BENCH_AI_E2E_SNAPSHOTS=10
//      TEST_DATABASE_URL (admin, default postgres://postgres@127.0.0.1:5432/postgres)
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { aiResultReported, Bus, connectNats } from "@ivc/bus";
import { createLogger, Registry } from "@ivc/runtime";
import { startPrivateNats } from "../../test/support/private-nats.ts";
import { BENCH_NODE } from "../api/seed.mjs";
import { createScratchDatabase, dropScratchDatabase } from "../scratch-database.mjs";
import { encodeClip, firstKeyframe, PEOPLE_PHOTO } from "./clip.mjs";

const api = (path) => import(new URL(`../../services/api/dist/${path}`, import.meta.url).href);
const relay = (path) => import(new URL(`../../services/media-relay/dist/${path}`, import.meta.url).href);
const [{ openDatabase }, { createAccount }, { createSecretBox }, { ensureServiceNode, mediaBaseOf }, { addDevice }, { createDeviceEventHandlers }, { createTask }, { serveAiBus }, { CallbackDispatcher }, { createSnapshotUrls }] = await Promise.all([
  api("db/open.js"),
  api("accounts/accounts.js"),
  api("accounts/secret-box.js"),
  api("store/service-nodes.js"),
  api("store/devices.js"),
  api("bus/device-events.js"),
  api("store/ai-tasks.js"),
  api("ai/ai-bus.js"),
  api("ai/callbacks.js"),
  api("ai/snapshot-urls.js"),
]);
const [{ Analyser, createAnalyserMetrics }, { modelResolver }, { DiskSegmentStorage }] = await Promise.all([relay("ai/analyser.js"), relay("ai/start-analyser.js"), relay("recording/storage/disk-storage.js")]);

const SNAPSHOTS = Number(process.env.BENCH_AI_E2E_SNAPSHOTS ?? 10);
const INTERVAL_S = 10;
const CHANNEL_CODE = "34020000001310000001";
const UTC_OFFSET_MINUTES = 480;
const logger = createLogger("bench-ai-e2e", "warn");

// SPS, PPS and the IDR, as a keyframe arrives on the recorder's stream.
const keyframe = firstKeyframe(encodeClip(PEOPLE_PHOTO, 1));
const frame = (i) => ({ kind: "video", codec: "H264", pts: i * 90_000 * INTERVAL_S, dts: i * 90_000 * INTERVAL_S, data: keyframe, keyframe: true });

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

const nats = await startPrivateNats(logger);
const dbName = `ivc_bench_ai_e2e_${process.pid}`;
const dir = await mkdtemp(join(tmpdir(), "ivc-bench-ai-"));
const closers = [];
try {
  // The relay and the API on connections of their own, as two processes would be.
  const relayNc = await connectNats({ url: nats.url, name: "bench-ai-relay", logger });
  const apiNc = await connectNats({ url: nats.url, name: "bench-ai-api", logger });
  closers.push(() => relayNc.drain(), () => apiNc.drain());
  const database = await openDatabase(await createScratchDatabase(dbName), { poolSize: 4 });
  closers.push(() => database.close());
  const db = database.db;

  // The receiver: each callback's arrival, keyed by the frame's time (CaptureTimestamp, epoch s).
  const waiting = new Map();
  const receiver = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const at = performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      waiting.get(body.CaptureTimestamp)?.(at);
      res.writeHead(204).end();
    });
  });
  await new Promise((done) => receiver.listen(0, "127.0.0.1", done));
  closers.push(() => new Promise((done) => receiver.close(done)));

  // The API: node, account, a GB device whose catalog reported one channel, a task on it calling back here.
  await ensureServiceNode(db, BENCH_NODE);
  const account = await createAccount(db, "bench-ai");
  const device = await addDevice(db, createSecretBox(randomBytes(32)), account.appId, { Name: "till", AccessProtocol: 2, Type: 2, TransportProtocol: 1, Password: "12345678", Description: undefined, OrganizationId: "0", ClusterId: BENCH_NODE.id });
  if (!device.ok) throw new Error(`device: ${device.failure.detail}`);
  await createDeviceEventHandlers(db).catalog({ clusterId: BENCH_NODE.id, deviceId: device.value.Code, channels: [{ channelId: CHANNEL_CODE, name: "till", online: true }] });
  const [channel] = await database.withRawSession((s) => s.rows("SELECT id FROM channels WHERE code = $1", [CHANNEL_CODE]));
  const task = await createTask(
    db,
    account.appId,
    {
      Name: "bench",
      Desc: undefined,
      ChannelList: [channel.id],
      CallbackUrl: `http://127.0.0.1:${receiver.address().port}/ai`,
      IsStartTheTask: true,
      Templates: [{ Tag: "AI", AIConfig: { DetectType: "Body", TimeInterval: INTERVAL_S, OperTimeslot: [{ Start: "00:00:00", End: "23:59:59" }] } }],
    },
    UTC_OFFSET_MINUTES,
  );
  if (!task.ok) throw new Error(`task: ${task.failure.detail}`);
  const streamId = `${device.value.Code}_${CHANNEL_CODE}`;
  const callbacks = new CallbackDispatcher({ secret: randomBytes(32), logger });
  closers.push(() => callbacks.close());
  const answers = serveAiBus(new Bus(apiNc, logger), {
    db,
    recordedChannels: () => Promise.resolve([{ deviceCode: device.value.Code, channelCode: CHANNEL_CODE, streamId, transitionDays: 1, expirationDays: 1 }]),
    callbacks,
    snapshotUrls: createSnapshotUrls(randomBytes(32)),
    mediaBase: (clusterId) => mediaBaseOf(db, clusterId),
    utcOffsetMinutes: UTC_OFFSET_MINUTES,
  });
  closers.push(() => answers.forEach((a) => a.unsubscribe()));
  // A plain (non-queue) subscription beside the API's sees when each report reaches the bus: it splits the figure in two.
  let reportedAt;
  const watch = apiNc.subscribe(aiResultReported.subject({ clusterId: BENCH_NODE.id }), { callback: () => (reportedAt ??= performance.now()) });
  closers.push(() => watch.unsubscribe());
  await apiNc.flush();

  // The relay: its analyser on a stand-in for the recorder's open stream, snapshots on disk.
  const taps = new Set();
  const session = { state: "playing", tapFrames: (tap) => (taps.add(tap), () => taps.delete(tap)) };
  const clock = { now: Date.now() };
  const detectorFor = modelResolver({}, logger);
  const loadStart = performance.now();
  await detectorFor("Body");
  const loadMs = performance.now() - loadStart;
  const analyser = new Analyser({
    bus: new Bus(relayNc, logger),
    clusterId: BENCH_NODE.id,
    streams: { get: (id) => (id === streamId ? session : undefined) },
    storage: new DiskSegmentStorage({ root: dir }),
    logger,
    metrics: createAnalyserMetrics(new Registry()),
    detectorFor,
    pollMs: 60_000,
    maxConcurrent: 1,
    now: () => clock.now,
  });
  closers.push(() => analyser.stop());
  await analyser.poll();
  if (taps.size === 0) throw new Error("the API named no analysis for the channel");

  /** Feeds one keyframe; answers ms from its arrival at the analyser to its report on the bus and to its callback's receipt. */
  async function snapshot(i) {
    reportedAt = undefined;
    clock.now += INTERVAL_S * 1000;
    const received = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no callback for snapshot ${i} within 30 s`)), 30_000);
      waiting.set(Math.floor(clock.now / 1000), (at) => (clearTimeout(timer), resolve(at)));
    });
    const arrived = performance.now();
    for (const tap of taps) tap(frame(i));
    const calledBack = await received;
    // The callback can arrive before the relay has the API's answer: the next keyframe must not find the analysis slot still taken.
    await analyser.idle();
    return { total: calledBack - arrived, relay: reportedAt - arrived, api: calledBack - reportedAt };
  }

  await snapshot(0);
  const runs = [];
  for (let i = 1; i <= SNAPSHOTS; i++) runs.push(await snapshot(i));
  const sorted = (part) => runs.map((r) => r[part]).sort((a, b) => a - b);
  const latencies = sorted("total");
  console.log(`snapshots: ${SNAPSHOTS} (+1 warm-up), 640x360 H.264 keyframe ${keyframe.length} B, DetectType Body, COCO detector load ${loadMs.toFixed(0)} ms (before the first)`);
  console.log(
    `frame-to-callback latency (analyser → NATS → API store → callback POST received): median ${percentile(latencies, 0.5).toFixed(0)} ms, p95 ${percentile(latencies, 0.95).toFixed(0)} ms, min ${latencies[0].toFixed(0)} ms, max ${latencies.at(-1).toFixed(0)} ms`,
  );
  console.log(
    `  of which frame → report on the bus (decode, JPEG stored, detect): median ${percentile(sorted("relay"), 0.5).toFixed(0)} ms; report → callback received (API stores, signs, POSTs): median ${percentile(sorted("api"), 0.5).toFixed(0)} ms, p95 ${percentile(sorted("api"), 0.95).toFixed(0)} ms`,
  );
} finally {
  for (const close of closers.reverse()) await close();
  await dropScratchDatabase(dbName);
  await nats.stop();
  await rm(dir, { recursive: true, force: true });
}
