#!/usr/bin/env node
// Recording download bench (issue 15): a 30-minute cloud-recording download as MP4 and as TS from
// the relay's download host, the URL issued by the API (VideoDownloadUrl) and verified over NATS,
// the recording real MPEG-TS segments on disk (test/support/download-stack.ts, real PostgreSQL at
// TEST_DATABASE_URL). Prints the time from the GET to the first body byte and to the last, and the
// size. Target: a 30-minute MP4 starts streaming within 1 s.
//   npx tsc -b && npx tsx bench/recording/download.mjs
// env: BENCH_DOWNLOAD_MINUTES=30  BENCH_DOWNLOAD_SEGMENT_SECONDS=4  BENCH_DOWNLOAD_RUNS=3
import { get } from "node:http";
import { recentBase, startDownloadStack } from "../../test/support/download-stack.ts";

const minutes = Number(process.env.BENCH_DOWNLOAD_MINUTES ?? 30);
const segmentSeconds = Number(process.env.BENCH_DOWNLOAD_SEGMENT_SECONDS ?? 4);
const runs = Number(process.env.BENCH_DOWNLOAD_RUNS ?? 3);
const seconds = minutes * 60;

/** GET url; resolves with the milliseconds to the first body byte and to the end, and the bytes. */
function timeDownload(url) {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    get(url, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`download answered HTTP ${res.statusCode}`));
      let first;
      let bytes = 0;
      res.on("data", (chunk) => {
        first ??= performance.now() - began;
        bytes += chunk.length;
      });
      res.on("end", () => resolve({ firstByteMs: first ?? NaN, totalMs: performance.now() - began, bytes }));
      res.on("error", reject);
    }).on("error", reject);
  });
}

const storing = performance.now();
const base = recentBase(seconds, segmentSeconds);
const stack = await startDownloadStack({ base, seconds, segmentSeconds, concurrency: 2 });
console.log(`recording download: ${minutes} min of ${segmentSeconds}-second segments stored in ${((performance.now() - storing) / 1000).toFixed(1)} s; ${runs} runs per type`);
try {
  for (const fileType of ["mp4", "ts"]) {
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await timeDownload(await stack.downloadUrl(base, base + seconds, fileType)));
    const worstFirst = Math.max(...results.map((r) => r.firstByteMs));
    const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
    console.log(
      `${fileType.padEnd(3)} | first byte median ${median(results.map((r) => r.firstByteMs)).toFixed(0)} ms, worst ${worstFirst.toFixed(0)} ms | whole file median ${(median(results.map((r) => r.totalMs)) / 1000).toFixed(1)} s | ${(results[0].bytes / 1e6).toFixed(1)} MB` +
        (fileType === "mp4" ? ` | ${worstFirst < 1000 ? "ok (< 1 s)" : "MISSED (target: first byte within 1 s)"}` : ""),
    );
  }
} finally {
  await stack.close();
}
process.exit(0);
