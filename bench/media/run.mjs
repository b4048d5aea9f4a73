#!/usr/bin/env node
// Media relay bench, loopback only and bounded (~15 s): STREAMS simulated cameras send PS over
// RTP/UDP at 25 fps into one in-process relay, VIEWERS HTTP-FLV viewers per stream read them.
// Prints time to first FLV byte of a running stream (median, p95), per-viewer throughput, RTP
// loss, CPU % per stream and RSS. Needs `tsc -b` (npm run bench does it), NATS and Redis.
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createSocket } from "node:dgram";
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bus, connectNats, mediaOpen } from "@ivc/bus";
import { isH264Keyframe, joinAnnexB, PsMuxer, RtpPacketizer, splitAccessUnits } from "@ivc/media";
import { createLogger, loadConfig, Registry } from "@ivc/runtime";
import { Redis } from "ioredis";
import { mediaRelayEnv, startMediaRelay } from "../../services/media-relay/dist/index.js";

const STREAMS = Number(process.env.BENCH_STREAMS ?? 20);
const VIEWERS = Number(process.env.BENCH_VIEWERS ?? 2);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const FIRST_BYTE_SAMPLES = 20;

const es = spawnSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=640x480:rate=25", "-t", "4", "-c:v", "libx264", "-g", "25", "-bf", "0", "-b:v", "2M", "-pix_fmt", "yuv420p", "-f", "h264", "pipe:1"], { maxBuffer: 1 << 28 }).stdout;
const frames = splitAccessUnits("H264", es).map((nals) => ({ data: joinAnnexB(nals), keyframe: isH264Keyframe(nals) }));

const varDir = mkdtempSync(join(tmpdir(), "ivc-bench-media-"));
const logger = createLogger("media-relay", "silent");
const nc = await connectNats({ url: process.env.NATS_URL ?? "nats://127.0.0.1:4222", name: "bench-media", logger });
const bus = new Bus(nc, logger);
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const clusterId = randomUUID();
const metrics = new Registry();
const config = loadConfig(mediaRelayEnv, { MEDIA_HTTP_PORT: "0", MEDIA_BIND: "127.0.0.1", RTP_PORTS: "45000-45999", IVC_VAR_DIR: varDir, NO_VIEWER_CLOSE: "60", RTMP_PORT: "0", PULL_AUTH: "false" });
const relay = await startMediaRelay({ config, bus, redis, clusterId, instance: `bench-${clusterId}`, logger, metrics, tuning: { portRestMs: 1000 } });

const socket = createSocket("udp4");
const cameras = [];
for (let i = 0; i < STREAMS; i++) {
  const streamId = `bench${i}`;
  const reply = await bus.request(mediaOpen, { clusterId }, { streamId, channelId: streamId, deviceId: "34020000001320000001", kind: "live", transport: "udp" });
  cameras.push({ streamId, port: reply.port, muxer: new PsMuxer({ video: "H264" }), packetizer: new RtpPacketizer({ ssrc: Number(reply.ssrc) }) });
}
let tick = 0;
let packetsSent = 0;
const sender = setInterval(() => {
  const frame = frames[tick % frames.length];
  const ts = 90000 + tick * 3600;
  for (const cam of cameras) {
    const ps = cam.muxer.mux({ kind: "video", codec: "H264", pts: ts, dts: ts, data: frame.data, keyframe: frame.keyframe });
    for (const packet of cam.packetizer.packetize(ps, ts)) {
      socket.send(packet, cam.port, "127.0.0.1");
      packetsSent++;
    }
  }
  tick++;
}, 40);

const failures = [];

function view(streamId, durationMs) {
  return new Promise((resolve) => {
    const started = performance.now();
    let firstByteMs;
    let bytes = 0;
    const req = request(`http://127.0.0.1:${relay.httpPort}/live/${streamId}.live.flv`, (res) => {
      // Only a playing stream counts: an error answer's first byte is no FLV byte.
      if (res.statusCode !== 200) {
        failures.push(res.statusCode);
        res.resume();
        return;
      }
      res.on("data", (chunk) => {
        if (firstByteMs === undefined && chunk.subarray(0, 3).toString("latin1") !== "FLV") failures.push("not FLV");
        firstByteMs ??= performance.now() - started;
        bytes += chunk.length;
      });
    });
    req.on("error", () => undefined);
    req.end();
    setTimeout(() => {
      req.destroy();
      resolve({ firstByteMs, bytes });
    }, durationMs);
  });
}

// Warm-up: wait for every stream's first keyframe by opening (and closing) one viewer each.
await Promise.all(cameras.map((c) => view(c.streamId, 2500)));
const cpuStart = process.cpuUsage();
const wallStart = performance.now();
const viewing = cameras.flatMap((c) => Array.from({ length: VIEWERS }, () => view(c.streamId, SECONDS * 1000)));
const firstBytes = [];
for (let i = 0; i < FIRST_BYTE_SAMPLES; i++) {
  const r = await view(cameras[i % cameras.length].streamId, 150);
  if (r.firstByteMs !== undefined) firstBytes.push(r.firstByteMs);
}
const results = await Promise.all(viewing);
const cpu = process.cpuUsage(cpuStart);
const wallMs = performance.now() - wallStart;
clearInterval(sender);

const lost = (await metrics.getSingleMetric("ivc_media_rtp_lost_total").get()).values[0]?.value ?? 0;
const sorted = firstBytes.sort((a, b) => a - b);
const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]?.toFixed(1);
const kbps = results.map((r) => (r.bytes * 8) / SECONDS / 1000).sort((a, b) => a - b);
const cpuPct = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
console.log(`streams ${STREAMS} (640x480 H.264 at ${((es.length * 8) / 4 / 1000).toFixed(0)} kbit/s, PS/RTP/UDP), viewers ${STREAMS * VIEWERS} over HTTP-FLV, ${SECONDS} s, loopback`);
if (failures.length > 0) {
  console.log(`viewers refused or broken: ${failures.length} (${[...new Set(failures)].join(", ")})`);
  process.exitCode = 1;
}
console.log(`time to first FLV byte (running stream): median ${pct(0.5)} ms, p95 ${pct(0.95)} ms (${sorted.length} samples)`);
console.log(`viewer throughput: min ${kbps[0]?.toFixed(0)} kbit/s, median ${kbps[Math.floor(kbps.length / 2)]?.toFixed(0)} kbit/s`);
console.log(`RTP packets sent ${packetsSent}, declared lost ${lost}`);
console.log(`relay+bench process CPU ${cpuPct.toFixed(1)} % of one core (${(cpuPct / STREAMS).toFixed(2)} % per stream), RSS ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);

socket.close();
await relay.close();
await nc.drain();
redis.disconnect();
rmSync(varDir, { recursive: true, force: true });
