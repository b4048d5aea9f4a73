// Child process: the sip-server alone, so its memory, handles and sockets are its own. Started by
// churn.mjs with IPC and --expose-gc; BENCH_CLUSTER_ID, BENCH_SIP_DOMAIN and BENCH_SIP_SETTINGS
// (JSON: `config` and `tuning` for startSipServer) come from it. Answers `census` and `close`.
import { Bus, connectNats } from "@ivc/bus";
import { createLogger } from "@ivc/runtime";
import { Redis } from "ioredis";
import { startSipServer } from "../../services/sip-server/dist/server.js";
import { socketCensus } from "../process-census.mjs";

const clusterId = process.env.BENCH_CLUSTER_ID;
const { config, tuning } = JSON.parse(process.env.BENCH_SIP_SETTINGS);
const logger = createLogger("sip-server", "silent");
const nc = await connectNats({ url: process.env.NATS_URL ?? "nats://127.0.0.1:4222", name: "bench-sip-server", logger });
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const server = await startSipServer({ config, tuning, clusterId, logger, bus: new Bus(nc, logger), redis });

/**
 * The cluster's keys by kind (`reg`, `sn`, `dialog`, … : the segment after the namespace), plus
 * the members of the deadline set and the fields of the channel-owner hash.
 */
async function redisKeys() {
  const prefix = `ivc:sip:${clusterId}:`;
  const kinds = {};
  for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 })) {
    for (const key of keys) {
      const kind = key.slice(prefix.length).split(":")[0];
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
  }
  return { kinds, deadlines: await redis.zcard(`${prefix}deadlines`), channelOwners: await redis.hlen(`${prefix}channel-owner`) };
}

/** What the server holds once garbage is collected: memory, handles by type, sockets, its own structures, its Redis keys. */
async function census() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, external, rss } = process.memoryUsage();
  const handles = {};
  for (const type of process.getActiveResourcesInfo()) handles[type] = (handles[type] ?? 0) + 1;
  return { heapUsed, external, rss, handles, sockets: socketCensus(), retained: server.retained(), redis: await redisKeys() };
}

process.on("message", async ({ id, cmd }) => {
  if (cmd === "census") process.send({ id, result: await census() });
  if (cmd === "close") {
    await server.close();
    const keys = [];
    for await (const batch of redis.scanStream({ match: `ivc:sip:${clusterId}:*`, count: 1000 })) keys.push(...batch);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
    redis.disconnect();
    await nc.drain();
    process.send({ id });
    process.exit(0);
  }
});
process.send({ ready: true, port: server.port });
