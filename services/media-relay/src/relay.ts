import { createServer, type Server } from "node:http";
import { networkInterfaces } from "node:os";
import { resolve } from "node:path";
import type { Bus } from "@ivc/bus";
import { handleOpsRequest, type Logger, type OpsEndpoints, type Registry } from "@ivc/runtime";
import type { Redis } from "ioredis";
import { serveBusApi } from "./bus-api.js";
import type { MediaRelayConfig } from "./config.js";
import { MediaRoutes } from "./http-routes.js";
import { LeaseStore } from "./lease-store.js";
import { createRelayMetrics } from "./metrics.js";
import { TimelineStore } from "./play-timeline.js";
import { ssrcDomainPart } from "./ssrc.js";
import { StreamRegistry } from "./stream-registry.js";

/** Knobs that are not operator settings; tests shorten them. */
export interface MediaRelayTuning {
  leaseTtlMs: number;
  portRestMs: number;
  maxViewerBufferBytes: number;
  gopCacheBytes: number;
  playsPerChannel: number;
  tickMs: number;
  ffmpegBinary?: string;
}

export interface MediaRelayDeps {
  config: MediaRelayConfig;
  bus: Bus;
  redis: Redis;
  clusterId: string;
  /** Unique per process (host:pid); owns this relay's leases in Redis. */
  instance: string;
  logger: Logger;
  metrics: Registry;
  /** When given, /healthz and /metrics are answered in front of the media routes. */
  ops?: OpsEndpoints;
  tuning?: Partial<MediaRelayTuning>;
}

export interface MediaRelay {
  /** The bound HTTP port (MEDIA_HTTP_PORT, or the system's choice when it is 0). */
  readonly httpPort: number;
  /** The address put into SDP for devices. */
  readonly mediaIp: string;
  readonly registry: StreamRegistry;
  readonly timelines: TimelineStore;
  close(): Promise<void>;
}

const defaults: MediaRelayTuning = {
  leaseTtlMs: 30_000,
  portRestMs: 90_000,
  maxViewerBufferBytes: 8 * 1024 * 1024,
  gopCacheBytes: 16 * 1024 * 1024,
  playsPerChannel: 20,
  tickMs: 20,
};

/** MEDIA_HOST, else MEDIA_BIND when it names one interface, else the first external IPv4. */
function advertisedIp(config: MediaRelayConfig): string {
  if (config.MEDIA_HOST !== undefined) return config.MEDIA_HOST;
  if (config.MEDIA_BIND !== "0.0.0.0") return config.MEDIA_BIND;
  for (const addresses of Object.values(networkInterfaces())) {
    const external = addresses?.find((a) => a.family === "IPv4" && !a.internal);
    if (external !== undefined) return external.address;
  }
  return "127.0.0.1";
}

/** The relay without process concerns: tests start several in one process. */
export async function startMediaRelay(deps: MediaRelayDeps): Promise<MediaRelay> {
  const { config, logger } = deps;
  const tuning = { ...defaults, ...deps.tuning };
  const metrics = createRelayMetrics(deps.metrics);
  const timelines = new TimelineStore(logger, tuning.playsPerChannel);
  const leases = new LeaseStore(deps.redis, {
    prefix: `ivc:media:${deps.clusterId}`,
    ports: config.RTP_PORTS,
    domainPart: ssrcDomainPart(config.SIP_DOMAIN),
    owner: deps.instance,
    ttlMs: tuning.leaseTtlMs,
    restMs: tuning.portRestMs,
  });
  const mediaIp = advertisedIp(config);
  const registry = new StreamRegistry({
    bus: deps.bus,
    clusterId: deps.clusterId,
    leases,
    timelines,
    mediaIp,
    inviteTimeoutMs: config.PLAY_TIMEOUT,
    logger,
    metrics,
    settings: {
      bindHost: config.MEDIA_BIND,
      silenceMs: config.RTP_SILENCE_TIMEOUT,
      noViewerMs: config.NO_VIEWER_CLOSE,
      maxViewerBufferBytes: tuning.maxViewerBufferBytes,
      gopCacheBytes: tuning.gopCacheBytes,
      hlsRoot: resolve(config.IVC_VAR_DIR, "hls"),
      ...(tuning.ffmpegBinary !== undefined ? { ffmpegBinary: tuning.ffmpegBinary } : {}),
    },
  });
  const routes = new MediaRoutes({ registry, timelines, playTimeoutMs: config.PLAY_TIMEOUT });
  const subscriptions = serveBusApi(deps.bus, deps.clusterId, registry, timelines);

  const server: Server = createServer((req, res) => {
    void (async () => {
      if (deps.ops !== undefined && (await handleOpsRequest(req, res, deps.ops))) return;
      if (routes.handle(req, res)) return;
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "not found", paths: ["/live/<streamId>.live.flv", "/hls/<streamId>/index.m3u8", "/api/plays/<channelId>", "/healthz", "/metrics"] }));
    })().catch((err: Error) => {
      logger.warn({ err: err.message, url: req.url }, "media HTTP request failed");
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.on("upgrade", (req, socket) => {
    if (!routes.handleUpgrade(req, socket)) socket.end("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(config.MEDIA_HTTP_PORT, config.MEDIA_BIND, () => {
      server.off("error", reject);
      resolveListen();
    });
  });
  const address = server.address();
  const httpPort = typeof address === "object" && address !== null ? address.port : config.MEDIA_HTTP_PORT;

  const ticker = setInterval(() => {
    const now = Date.now();
    registry.tick(now);
    let waiting = 0;
    let playing = 0;
    for (const s of registry.all()) if (s.state === "playing") playing++;
    else waiting++;
    metrics.streams.set({ state: "waiting" }, waiting);
    metrics.streams.set({ state: "playing" }, playing);
  }, tuning.tickMs);
  const refresher = setInterval(() => void registry.refreshLeases(), Math.max(1000, Math.floor(tuning.leaseTtlMs / 3)));

  logger.info({ httpPort, mediaIp, rtpPorts: config.RTP_PORTS, clusterId: deps.clusterId }, "media relay listening");
  return {
    httpPort,
    mediaIp,
    registry,
    timelines,
    async close() {
      clearInterval(ticker);
      clearInterval(refresher);
      for (const sub of subscriptions) sub.unsubscribe();
      await registry.endAll("relay stopping");
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
