// Child process: the media relay alone (its CPU, event loop and RSS are what the bench measures).
// Started by run.mjs with IPC; BENCH_CLUSTER_ID and the relay's environment come from it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Bus, connectNats } from "@ivc/bus";
import { createLogger, loadConfig, Registry } from "@ivc/runtime";
import { Redis } from "ioredis";
import { mediaRelayEnv, startMediaRelay } from "../../services/media-relay/dist/index.js";

const clusterId = process.env.BENCH_CLUSTER_ID;
const varDir = mkdtempSync(join(tmpdir(), "ivc-bench-media-"));
const logger = createLogger("media-relay", "silent");
const nc = await connectNats({ url: process.env.NATS_URL ?? "nats://127.0.0.1:4222", name: "bench-media-relay", logger });
const bus = new Bus(nc, logger);
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const config = loadConfig(mediaRelayEnv, {
  MEDIA_HTTP_PORT: "0",
  MEDIA_BIND: "127.0.0.1",
  RTMP_PORT: "0",
  PULL_AUTH: "false",
  RTP_PORTS: process.env.BENCH_RTP_PORTS,
  NO_VIEWER_CLOSE: "30",
  IVC_VAR_DIR: varDir,
});
const relay = await startMediaRelay({ config, bus, redis, clusterId, instance: `bench-${clusterId}`, logger, metrics: new Registry(), tuning: { portRestMs: 1000 } });

/** Totals over the running streams, read from their receivers (exact, unlike the 1 s metric flush). */
function sample() {
  let lost = 0;
  let packets = 0;
  let streams = 0;
  for (const session of relay.registry.all()) {
    const { receiver } = session.stats;
    lost += receiver.reorder.lost + receiver.reorder.late;
    packets += receiver.packets;
    streams++;
  }
  return { at: performance.now(), cpu: process.cpuUsage(), elu: performance.eventLoopUtilization(), rss: process.memoryUsage().rss, lost, packets, streams };
}

process.on("message", async ({ id, cmd }) => {
  if (cmd === "sample") process.send({ id, result: sample() });
  if (cmd === "close") {
    await relay.close();
    await nc.drain();
    redis.disconnect();
    rmSync(varDir, { recursive: true, force: true });
    process.send({ id });
    process.exit(0);
  }
});
process.send({ ready: true, httpPort: relay.httpPort });
