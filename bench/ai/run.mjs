#!/usr/bin/env node
// AI bench (issue 17): what one snapshot costs, and so how many channels one core can analyse at
// TimeInterval 10 s. A 640x360 H.264 clip is made from the photo of people shipped in
// @vladmandic/human (assets/samples.jpg), GOP 50 at 25 fps. For BENCH_AI_SNAPSHOTS snapshots:
//   - keyframe-only: the relay's way, one ffmpeg run decoding the IDR alone (JPEG + 512² RGB);
//   - whole GOP: what decoding the stream up to the wanted picture would cost instead (all 50 frames
//     of a moving test pattern, against that pattern's keyframe alone);
//   - detection: the COCO CenterNet on tfjs-wasm, CPU of this process (process.cpuUsage).
// ffmpeg CPU is its own -benchmark utime+stime. Channels per core = 10 s / (decode + detect CPU).
// Frame-to-callback latency through NATS, the API and a callback receiver: bench/ai/end-to-end.mjs.
//   npx tsc -b && node bench/ai/run.mjs
// env: BENCH_AI_SNAPSHOTS=10
import { spawnSync } from "node:child_process";
import { joinAnnexB } from "@ivc/media";
import { CocoDetector } from "../../services/media-relay/dist/ai/coco-detector.js";
import { decodeKeyframe } from "../../services/media-relay/dist/ai/keyframe-decoder.js";
import { encodeClip, firstKeyframe, PEOPLE_PHOTO } from "./clip.mjs";

const snapshots = Number(process.env.BENCH_AI_SNAPSHOTS ?? 10);
const keyframe = firstKeyframe(encodeClip(PEOPLE_PHOTO, 2));
// The still photo's P-frames are nearly empty; a moving test pattern gives the GOP decode its real weight.
const moving = encodeClip(["-f", "lavfi", "-i", "testsrc2=s=640x360:r=25"], 2);
const gop = joinAnnexB(moving.slice(0, 50).flat());
const movingKeyframe = firstKeyframe(moving);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function gopCpuMs() {
  // Decode all 50 pictures and keep the last: what a decoder fed the live stream spends per snapshot.
  const r = spawnSync("ffmpeg", ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "info", "-benchmark", "-f", "h264", "-i", "pipe:0", "-vf", "select=eq(n\\,49)", "-frames:v", "1", "-f", "image2pipe", "-c:v", "mjpeg", "pipe:1"], { input: gop });
  const m = /bench: utime=([\d.]+)s stime=([\d.]+)s/.exec(r.stderr.toString());
  return m ? (Number(m[1]) + Number(m[2])) * 1000 : Number.NaN;
}

const loadStart = performance.now();
const detector = await CocoDetector.load();
const loadMs = performance.now() - loadStart;
const decodeCpu = [];
const gopCpu = [];
const movingKeyCpu = [];
const detectCpu = [];
const detectWall = [];
const endToEnd = [];
let persons = 0;
for (let i = 0; i < snapshots; i++) {
  const t0 = performance.now();
  const decoded = await decodeKeyframe("H264", keyframe, { detectSizes: [detector.inputSize] });
  decodeCpu.push(decoded.cpuMs);
  const c0 = process.cpuUsage();
  const t1 = performance.now();
  const found = await detector.detect(decoded.rgb[0], 640, 360);
  const c = process.cpuUsage(c0);
  detectWall.push(performance.now() - t1);
  detectCpu.push((c.user + c.system) / 1000);
  endToEnd.push(performance.now() - t0);
  persons = found.filter((d) => d.name === "person").length;
  gopCpu.push(gopCpuMs());
  movingKeyCpu.push((await decodeKeyframe("H264", movingKeyframe, { detectSizes: [detector.inputSize] })).cpuMs);
}
const perSnapshot = median(decodeCpu) + median(detectCpu);
console.log(`snapshots: ${snapshots} (640x360 H.264, keyframe ${keyframe.length} B), persons found: ${persons}, detector load ${loadMs.toFixed(0)} ms`);
console.log(`decode CPU per snapshot, keyframe only: median ${median(decodeCpu).toFixed(1)} ms (JPEG + 512² RGB)`);
console.log(`moving test pattern: keyframe only ${median(movingKeyCpu).toFixed(1)} ms vs whole 50-frame GOP ${median(gopCpu).toFixed(1)} ms of decode CPU per snapshot`);
console.log(`detect CPU per snapshot (COCO CenterNet, tfjs-wasm): median ${median(detectCpu).toFixed(1)} ms, wall ${median(detectWall).toFixed(1)} ms`);
console.log(`frame-to-result latency (decode + detect, no bus/callback): median ${median(endToEnd).toFixed(0)} ms`);
console.log(`channels per core at TimeInterval 10 s: ${(10_000 / perSnapshot).toFixed(1)} (CPU ${perSnapshot.toFixed(1)} ms per snapshot)`);
