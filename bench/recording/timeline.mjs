#!/usr/bin/env node
// Recording bench (issue 15): the cloud timeline query over a month of one channel's segments.
// A fresh database (PostgreSQL at TEST_DATABASE_URL, and the zero-config embedded PGlite in a
// temporary folder) is migrated and filled with BENCH_TIMELINE_DAYS days of 5-second segments of
// one channel (518,400 rows for 30 days) plus a second channel's, as the relay's index would hold
// them, with a missing segment every BENCH_TIMELINE_GAP_MINUTES (a camera that drops: 144 runs a
// day at 10); then `cloudTimeline` (what GET /ivc/record/filelist/query runs) is timed over random
// one-day ranges. Target: p99 < 20 ms. The fill goes through the triggers that keep recording_spans
// (migration 0014), so its time per row is what indexing one segment costs the database.
//   npx tsc -b && node bench/recording/timeline.mjs
// env: BENCH_TIMELINE_DAYS=30  BENCH_TIMELINE_QUERIES=300  BENCH_TIMELINE_PGLITE=1 (0 skips PGlite)
//      BENCH_TIMELINE_GAP_MINUTES=10 (0: no gaps, one run)
//      TEST_DATABASE_URL (admin, default postgres://postgres@127.0.0.1:5432/postgres)
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createScratchDatabase, dropScratchDatabase } from "../scratch-database.mjs";

const api = (path) => new URL(`../../services/api/dist/${path}`, import.meta.url).href;
const { openDatabase } = await import(api("db/open.js"));
const { cloudTimeline } = await import(api("recordings/segment-index.js"));

const DAYS = Number(process.env.BENCH_TIMELINE_DAYS ?? 30);
const QUERIES = Number(process.env.BENCH_TIMELINE_QUERIES ?? 300);
const WITH_PGLITE = (process.env.BENCH_TIMELINE_PGLITE ?? "1") !== "0";
const SEGMENT_S = 5;
const GAP_MINUTES = Number(process.env.BENCH_TIMELINE_GAP_MINUTES ?? 10);
const DAY_MS = 86_400_000;
const DEVICE = "34020000001320000001";
const CHANNELS = ["34020000001310000001", "34020000001310000002"];
const END_MS = Date.UTC(2026, 11, 1);
const START_MS = END_MS - DAYS * DAY_MS;

/** One channel's month in one statement per day (generate_series), as the relay's index rows would be. */
async function fill(database) {
  const began = performance.now();
  for (const channel of CHANNELS) {
    for (let day = 0; day < DAYS; day++) {
      const from = new Date(START_MS + day * DAY_MS).toISOString();
      await database.withRawSession((session) => session.exec(
        `INSERT INTO recording_segments (cluster_id, device_code, channel_code, plan_id, start_at, end_at, bytes, storage, object_key, transition_at, expire_at)
         SELECT 'bench', '${DEVICE}', '${channel}', 'plan', t, t + interval '${SEGMENT_S} seconds', 1250000, 'disk',
                '${channel}/' || extract(epoch from t)::bigint, t + interval '30 days', t + interval '60 days'
         FROM generate_series('${from}'::timestamptz, '${from}'::timestamptz + interval '1 day' - interval '${SEGMENT_S} seconds', interval '${SEGMENT_S} seconds') t
         ${GAP_MINUTES > 0 ? `WHERE extract(epoch from t)::bigint % ${GAP_MINUTES * 60} <> 0` : ""}`,
      ));
    }
  }
  // A running database is vacuumed as it goes (autovacuum); right after a million inserts and the
  // runs' million in-place updates, an autovacuum would run during the timed queries instead.
  await database.withRawSession((session) => session.exec("VACUUM ANALYZE recording_segments, recording_spans"));
  return performance.now() - began;
}

async function timeQueries(database) {
  // A running API has its connections open and its statements planned: the first few are not timed.
  for (let i = 0; i < 5; i++) await cloudTimeline(database.db, DEVICE, CHANNELS[0], START_MS, START_MS + DAY_MS);
  const times = [];
  let spans = 0;
  for (let i = 0; i < QUERIES; i++) {
    // Random one-day ranges, the newest days included (the worst case for a scan from the start).
    const from = START_MS + Math.floor(Math.random() * (DAYS - 1) * DAY_MS);
    const began = performance.now();
    const { spans: found } = await cloudTimeline(database.db, DEVICE, CHANNELS[0], from, from + DAY_MS);
    times.push(performance.now() - began);
    spans += found.length;
  }
  times.sort((a, b) => a - b);
  const at = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  return { p50: at(0.5), p99: at(0.99), max: times.at(-1), spansPerQuery: spans / QUERIES };
}

function print(name, fillMs, r) {
  console.log(
    `${name.padEnd(10)} | ${String(DAYS * (DAY_MS / 1000 / SEGMENT_S)).padStart(7)} rows/channel | fill ${(fillMs / 1000).toFixed(1)} s (${((fillMs * 1000) / (DAYS * CHANNELS.length * (DAY_MS / 1000 / SEGMENT_S))).toFixed(0)} µs/segment) | ${r.spansPerQuery.toFixed(0)} runs per one-day query | p50 ${r.p50.toFixed(1)} ms | p99 ${r.p99.toFixed(1)} ms | max ${r.max.toFixed(1)} ms | ${r.p99 < 20 ? "ok (< 20 ms)" : "MISSED (target p99 < 20 ms)"}`,
  );
}

console.log(`cloud timeline: ${DAYS} days of ${SEGMENT_S}-second segments, ${CHANNELS.length} channels, ${QUERIES} one-day queries`);
const name = `ivc_bench_timeline_${process.pid}`;
const url = await createScratchDatabase(name);
try {
  const database = await openDatabase(url, { poolSize: 2 });
  try {
    print("postgresql", await fill(database), await timeQueries(database));
  } finally {
    await database.close();
  }
} finally {
  await dropScratchDatabase(name);
}
if (WITH_PGLITE) {
  const dir = await mkdtemp(join(tmpdir(), "ivc-bench-timeline-"));
  try {
    const database = await openDatabase(undefined, { pgliteDir: dir });
    try {
      print("pglite", await fill(database), await timeQueries(database));
    } finally {
      await database.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
