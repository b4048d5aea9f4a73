#!/usr/bin/env node
// Recording bench (issue 15), part one: the segment writer alone. The media bench's 2 Mbit/s
// 1280x720 H.264 clip (bench/media/source.mjs) is cut into 4-second MPEG-TS segments by
// @ivc/media TsSegmenter, looping the clip for BENCH_RECORDING_SECONDS of media per stream and
// BENCH_RECORDING_STREAMS streams; the figure is CPU time per second of media, i.e. the share of
// one core one recorded stream costs for muxing (storage writes not included).
//   npx tsc -b && node bench/recording/run.mjs
// env: BENCH_RECORDING_SECONDS=300  BENCH_RECORDING_STREAMS=4
import { splitAnnexB, TsSegmenter } from "@ivc/media";
import { benchClip, FPS } from "../media/source.mjs";

const seconds = Number(process.env.BENCH_RECORDING_SECONDS ?? 300);
const streams = Number(process.env.BENCH_RECORDING_STREAMS ?? 4);
const clip = benchClip();
const pictures = clip.pictures.map((p) => ({ ...p, nalus: splitAnnexB(p.data) }));
const tick = 90000 / FPS;

function recordOne() {
  const segmenter = new TsSegmenter({ targetDurationMs: 4000 });
  let bytes = 0;
  let segments = 0;
  const count = seconds * FPS;
  for (let i = 0; i < count; i++) {
    const p = pictures[i % pictures.length];
    const dts = 90000 + i * tick;
    const closed = segmenter.push({ kind: "video", codec: "H264", pts: dts, dts, data: p.data, nalus: p.nalus, keyframe: p.keyframe });
    if (closed !== undefined) {
      bytes += closed.data.length;
      segments++;
    }
  }
  return { bytes, segments };
}

recordOne(); // warm-up (JIT)
const before = process.cpuUsage();
const started = performance.now();
let bytes = 0;
let segments = 0;
for (let s = 0; s < streams; s++) {
  const r = recordOne();
  bytes += r.bytes;
  segments += r.segments;
}
const cpu = process.cpuUsage(before);
const cpuMs = (cpu.user + cpu.system) / 1000;
const mediaSeconds = seconds * streams;
console.log(`clip ${clip.size} ${clip.kbps.toFixed(0)} kbit/s; ${streams} streams x ${seconds} s of media, ${segments} segments, ${(bytes / 1e6).toFixed(1)} MB written`);
console.log(`TsSegmenter: ${(cpuMs / mediaSeconds / 10).toFixed(3)} % of one core per recorded 2 Mbit/s stream (${cpuMs.toFixed(0)} ms CPU, ${(performance.now() - started).toFixed(0)} ms wall)`);
console.log(`TS overhead over the elementary stream: ${((bytes / ((clip.kbps * 1000 * mediaSeconds) / 8) - 1) * 100).toFixed(1)} %`);
