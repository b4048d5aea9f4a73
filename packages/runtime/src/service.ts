import { hostname } from "node:os";
import { Redis } from "ioredis";
import { Bus, answerPing, connectNats, type ServiceName } from "@ivc/bus";
import type { NatsConnection } from "@nats-io/transport-node";
import { commonEnv, loadConfigOrExit, resolveClusterId, type ConfigOf, type EnvVar } from "./config.js";
import { HealthRegistry } from "./health.js";
import { Lifecycle } from "./lifecycle.js";
import { createLogger, type Logger } from "./logger.js";
import { createMetricsRegistry, type Registry } from "./metrics.js";
import { reportStartupStage } from "./startup-progress.js";

export interface ServiceShellOptions<S extends Record<string, EnvVar<unknown>>> {
  service: ServiceName;
  version: string;
  /** The service's own variables; the common ones (NATS_URL, REDIS_URL, LOG_LEVEL, SIP_ID, CLUSTER_ID) are added. */
  env: S;
  /** Whether the service keeps state in Redis. */
  redis: boolean;
}

export interface ServiceShell<C> {
  config: C;
  clusterId: string;
  instance: string;
  logger: Logger;
  nc: NatsConnection;
  bus: Bus;
  redis: Redis | undefined;
  health: HealthRegistry;
  metrics: Registry;
  lifecycle: Lifecycle;
}

/**
 * What every service does before its own work: validated config (a bad value exits with one
 * line), a pino logger, NATS with endless reconnect, Redis if used, health checks for both, a
 * Prometheus registry, the ping responder, and ordered shutdown on SIGINT/SIGTERM.
 */
export async function startServiceShell<S extends Record<string, EnvVar<unknown>>>(
  options: ServiceShellOptions<S>,
): Promise<ServiceShell<ConfigOf<S & typeof commonEnv>>> {
  const config = loadConfigOrExit({ ...commonEnv, ...options.env }) as ConfigOf<S & typeof commonEnv>;
  const common = config as unknown as ConfigOf<typeof commonEnv>;
  const logger = createLogger(options.service, common.LOG_LEVEL);
  const lifecycle = new Lifecycle(logger);
  lifecycle.installSignalHandlers();
  watchLauncher(lifecycle);
  process.on("unhandledRejection", (reason) => logger.error({ err: reason }, "unhandled rejection"));

  const clusterId = resolveClusterId(common);
  const instance = `${hostname()}:${process.pid}`;
  const health = new HealthRegistry(options.service, options.version);
  const metrics = createMetricsRegistry(options.service);

  reportStartupStage(`connecting to NATS at ${common.NATS_URL}`);
  const nc = await connectNats({ url: common.NATS_URL, name: `${options.service}@${instance}`, logger });
  lifecycle.onClose("nats", () => nc.drain());
  health.register("nats", () => (nc.isClosed() ? { ok: false, detail: "closed" } : { ok: true, detail: nc.getServer() }));
  const bus = new Bus(nc, logger);
  answerPing(bus, { service: options.service, instance, version: options.version, clusterId });

  let redis: Redis | undefined;
  if (options.redis) {
    const client = new Redis(common.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 3, retryStrategy: (n) => Math.min(n * 200, 2000) });
    client.on("error", (err: Error) => logger.warn({ err: err.message }, "Redis error"));
    client.on("ready", () => logger.info({ url: common.REDIS_URL }, "Redis connected"));
    reportStartupStage(`connecting to Redis at ${common.REDIS_URL}`);
    await client.connect();
    lifecycle.onClose("redis", () => client.quit());
    health.register("redis", async () => ({ ok: (await client.ping()) === "PONG", detail: client.status }));
    redis = client;
  }
  reportStartupStage(`starting ${options.service}`);
  return { config, clusterId, instance, logger, nc, bus, redis, health, metrics, lifecycle };
}

/**
 * Under the launcher a service's stdin is a pipe from it; when that pipe closes the launcher is
 * gone (even if it was killed with SIGKILL), and the service stops instead of lingering as an orphan.
 */
function watchLauncher(lifecycle: Lifecycle): void {
  if (process.env.IVC_LAUNCHED !== "1") return;
  process.stdin.on("end", () => void lifecycle.shutdown(0));
  process.stdin.on("error", () => void lifecycle.shutdown(0));
  process.stdin.resume();
}
