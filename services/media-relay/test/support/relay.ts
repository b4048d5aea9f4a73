import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bus, connectNats } from "@ivc/bus";
import { createLogger, loadConfig, Registry } from "@ivc/runtime";
import { Redis } from "ioredis";
import { mediaRelayEnv } from "../../src/config.js";
import { startMediaRelay, type MediaRelay, type MediaRelayTuning } from "../../src/relay.js";

export interface TestRelay {
  relay: MediaRelay;
  bus: Bus;
  redis: Redis;
  clusterId: string;
  metrics: Registry;
  varDir: string;
  stop(): Promise<void>;
}

/** A relay in this process with real NATS and Redis, its own cluster id and a port range of its own. */
export async function startTestRelay(env: Record<string, string>, tuning: Partial<MediaRelayTuning> = {}): Promise<TestRelay> {
  const varDir = mkdtempSync(join(tmpdir(), "ivc-relay-"));
  const logger = createLogger("media-relay", "silent");
  const nc = await connectNats({ url: process.env.NATS_URL ?? "nats://127.0.0.1:4222", name: "relay-test", logger });
  const bus = new Bus(nc, logger);
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const clusterId = randomUUID();
  const metrics = new Registry();
  const config = loadConfig(mediaRelayEnv, { MEDIA_HTTP_PORT: "0", MEDIA_HTTPS_PORT: "0", RTMP_PORT: "0", PULL_AUTH: "false", MEDIA_BIND: "127.0.0.1", IVC_VAR_DIR: varDir, ...env });
  const relay = await startMediaRelay({ config, bus, redis, clusterId, instance: `test-${clusterId}`, logger, metrics, tuning: { portRestMs: 500, ...tuning } });
  return {
    relay,
    bus,
    redis,
    clusterId,
    metrics,
    varDir,
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
