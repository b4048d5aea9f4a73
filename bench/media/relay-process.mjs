// Child process: the media relay alone (its CPU, event loop and RSS are what the bench measures).
// Started by run.mjs and churn.mjs with IPC; BENCH_CLUSTER_ID, BENCH_RTP_PORTS, optionally
// BENCH_NO_VIEWER_CLOSE (s), BENCH_RECORDING_DIR and the relay's environment come from them. `census` needs --expose-gc.
// BENCH_MEDIA_WORKERS: the relay's shard processes, this one included (MEDIA_WORKERS; default one
// per CPU, as `npm start` runs it); sample() adds up all of them.
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Bus, connectNats } from "@ivc/bus";
import { createLogger, createMetricsRegistry, loadConfig } from "@ivc/runtime";
import { Redis } from "ioredis";
import { mediaRelayEnv, ShardPool, startMediaRelay } from "../../services/media-relay/dist/index.js";
import { socketCensus } from "../process-census.mjs";

const clusterId = process.env.BENCH_CLUSTER_ID;
const instance = `bench-${clusterId}`;
const varDir = mkdtempSync(join(tmpdir(), "ivc-bench-media-"));
const logger = createLogger("media-relay", "silent");
const nc = await connectNats({ url: process.env.NATS_URL ?? "nats://127.0.0.1:4222", name: "bench-media-relay", logger });
const bus = new Bus(nc, logger);
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const relayEnv = {
  MEDIA_HTTP_PORT: "0",
  MEDIA_BIND: "127.0.0.1",
  RTMP_PORT: "0",
  PULL_AUTH: "false",
  RTP_PORTS: process.env.BENCH_RTP_PORTS,
  NO_VIEWER_CLOSE: process.env.BENCH_NO_VIEWER_CLOSE ?? "30",
  IVC_VAR_DIR: varDir,
  // The recording bench's folder on the disk it measures (default IVC_VAR_DIR/recordings, in the temporary folder).
  ...(process.env.BENCH_RECORDING_DIR !== undefined ? { RECORDING_DIR: process.env.BENCH_RECORDING_DIR } : {}),
};
const config = loadConfig(mediaRelayEnv, relayEnv);
const metrics = createMetricsRegistry("media-relay");
const shardCount = Number(process.env.BENCH_MEDIA_WORKERS ?? availableParallelism());
const shards =
  shardCount > 1
    ? new ShardPool({
        count: shardCount,
        entry: fileURLToPath(new URL("../../services/media-relay/dist/shards/shard-main.js", import.meta.url)),
        env: { ...process.env, ...relayEnv, CLUSTER_ID: clusterId, LOG_LEVEL: "silent" },
        logger,
      })
    : undefined;
const relay = await startMediaRelay({ config, bus, redis, clusterId, instance, logger, metrics, tuning: { portRestMs: 1000 }, ...(shards ? { shards } : {}) });

/**
 * Totals over the running streams of every shard process, read from their receivers (exact,
 * unlike the 1 s metric flush); `elu` has each process's event-loop totals, `shards` its streams.
 */
async function sample() {
  const all = [relay.stats(), ...((await shards?.stats()) ?? [])];
  const sum = (pick) => all.reduce((n, s) => n + pick(s), 0);
  return {
    at: performance.now(),
    cpuMicros: sum((s) => s.cpuMicros),
    elu: all.map((s) => s.eventLoop),
    rss: sum((s) => s.rssBytes),
    heap: sum((s) => s.heapBytes),
    external: sum((s) => s.externalBytes),
    lost: sum((s) => s.rtpLost),
    packets: sum((s) => s.rtpPackets),
    streams: sum((s) => s.streams),
    shards: all.map((s) => s.streams),
  };
}

/** Port leases this relay holds and ports resting after release (Redis), and the SSRC leases it holds. */
async function leases() {
  const count = { ports: 0, resting: 0, ssrcs: 0 };
  const scan = async (match, each) => {
    for await (const keys of redis.scanStream({ match, count: 1000 })) if (keys.length > 0) (await redis.mget(keys)).forEach(each);
  };
  await scan(`ivc:media:${clusterId}:port:*`, (owner) => {
    if (owner === instance) count.ports++;
    else if (owner === "resting") count.resting++;
  });
  await scan("ivc:media:ssrc:*", (owner) => owner === instance && count.ssrcs++);
  return count;
}

/**
 * What the relay holds once garbage is collected: memory, handles by type, streams, metric series,
 * the plays kept for `channels`, leases and sockets.
 */
async function census(channels) {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, external, arrayBuffers, rss } = process.memoryUsage();
  const handles = {};
  for (const type of process.getActiveResourcesInfo()) handles[type] = (handles[type] ?? 0) + 1;
  const series = (await metrics.getMetricsAsJSON()).reduce((n, metric) => n + metric.values.length, 0);
  const plays = channels.reduce((n, channelId) => n + relay.timelines.plays(channelId).length, 0);
  return { heapUsed, external, arrayBuffers, rss, handles, streams: [...relay.registry.all()].length, series, plays, leases: await leases(), sockets: socketCensus() };
}

process.on("message", async ({ id, cmd, args }) => {
  if (cmd === "sample") process.send({ id, result: await sample() });
  if (cmd === "census") process.send({ id, result: await census(args) });
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
