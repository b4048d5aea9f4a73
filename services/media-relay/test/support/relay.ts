import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Bus, connectNats } from "@ivc/bus";
import { createLogger, createMetricsRegistry, HealthRegistry, loadConfig, Registry } from "@ivc/runtime";
import { Redis } from "ioredis";
import { mediaRelayEnv } from "../../src/config.js";
import { startMediaRelay, type MediaRelay, type MediaRelayTuning } from "../../src/relay.js";
import { ShardPool } from "../../src/shards/shard-pool.js";

export interface TestRelay {
  relay: MediaRelay;
  bus: Bus;
  redis: Redis;
  clusterId: string;
  metrics: Registry;
  varDir: string;
  /** With `shards` > 1: the shard processes (this process is shard 0). */
  pool?: ShardPool;
  stop(): Promise<void>;
}

/** The shard process script as built by `tsc -b` (tests run the sources, a fork needs JavaScript). */
const SHARD_ENTRY = fileURLToPath(new URL("../../dist/shards/shard-main.js", import.meta.url));
/** Not the test runner's flags (they make Node load the sources): the relay's own. */
const SHARD_NODE_ARGS = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { ivc: { nodeArgs: string[] } }).ivc.nodeArgs;

/** Where a test relay connects and which cluster it is; by default the shared NATS and a new cluster id. */
export interface TestRelaySite {
  /** A test file's private nats-server (test/support/private-nats.ts), when it answers the API's ANY_CLUSTER subjects. */
  natsUrl?: string;
  /** The cluster of a service node the test's API database knows. */
  clusterId?: string;
}

/** A relay in this process with real NATS and Redis, its own cluster id and a port range of its own. */
export async function startTestRelay(env: Record<string, string>, tuning: Partial<MediaRelayTuning> = {}, shards = 1, site: TestRelaySite = {}): Promise<TestRelay> {
  const varDir = mkdtempSync(join(tmpdir(), "ivc-relay-"));
  const logger = createLogger("media-relay", "silent");
  const nc = await connectNats({ url: site.natsUrl ?? process.env.NATS_URL ?? "nats://127.0.0.1:4222", name: "relay-test", logger });
  const bus = new Bus(nc, logger);
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const clusterId = site.clusterId ?? randomUUID();
  // The service's own registry (default labels) when shard processes, which use it, add to its series.
  const metrics = shards > 1 ? createMetricsRegistry("media-relay") : new Registry();
  const relayEnv = { MEDIA_HTTP_PORT: "0", MEDIA_HTTPS_PORT: "0", RTMP_PORT: "0", PULL_AUTH: "false", MEDIA_BIND: "127.0.0.1", IVC_VAR_DIR: varDir, ...env };
  const config = loadConfig(mediaRelayEnv, relayEnv);
  const pool =
    shards > 1 ? new ShardPool({ count: shards, entry: SHARD_ENTRY, env: { ...process.env, ...relayEnv, CLUSTER_ID: clusterId, LOG_LEVEL: "warn" }, execArgv: SHARD_NODE_ARGS, logger }) : undefined;
  const relay = await startMediaRelay({
    config,
    bus,
    redis,
    clusterId,
    instance: `test-${clusterId}`,
    logger,
    metrics,
    tuning: { portRestMs: 500, ...tuning },
    ...(pool !== undefined ? { shards: pool, ops: { health: new HealthRegistry("media-relay", "test"), metrics } } : {}),
  });
  return {
    relay,
    bus,
    redis,
    clusterId,
    metrics,
    varDir,
    ...(pool !== undefined ? { pool } : {}),
    async stop() {
      await relay.close();
      await nc.drain();
      redis.disconnect();
      rmSync(varDir, { recursive: true, force: true });
    },
  };
}

/** A port range of `size` ports no other test file uses (files run in parallel). */
export function portRange(base: number, size = 20): string {
  return `${base}-${base + size - 1}`;
}
