import { createServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createTcpServer, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { networkInterfaces } from "node:os";
import { resolve } from "node:path";
import type { TLSSocket } from "node:tls";
import { deviceChanged } from "@ivc/bus";
import type { Bus } from "@ivc/bus";
import { handleOpsRequest, type Logger, type OpsEndpoints, type Registry, type ServiceShell } from "@ivc/runtime";
import type { Redis } from "ioredis";
import { localMediaRequests, serveBusApi, type MediaRequests } from "./bus-api.js";
import type { MediaRelayConfig } from "./config.js";
import { MediaRoutes } from "./http-routes.js";
import { LeaseStore } from "./lease-store.js";
import { GatewayPulls } from "./rtmp/gateway-pulls.js";
import { PullGuard } from "./rtmp/pull-guard.js";
import { PushedRoutes } from "./rtmp/pushed-routes.js";
import { PushedStreams } from "./rtmp/pushed-streams.js";
import { createRtmpMetrics } from "./rtmp/rtmp-metrics.js";
import { LIVE_APP, RtmpServer } from "./rtmp/rtmp-server.js";
import { StreamAuthorizer } from "./rtmp/stream-authorizer.js";
import { createRelayMetrics } from "./metrics.js";
import { TimelineStore } from "./play-timeline.js";
import { ssrcDomainPart } from "./ssrc.js";
import { StreamRegistry } from "./stream-registry.js";
import { routeConnection, serveConnection } from "./shards/connection-router.js";
import { forwardRequest } from "./shards/forward-request.js";
import { mergeExpositions } from "./shards/metrics-merge.js";
import { shardOfStream, shardOfTarget } from "./shards/placement.js";
import { shardedMediaRequests } from "./shards/sharded-requests.js";
import { pullFromShard } from "./shards/shard-flv-source.js";
import type { ShardPool } from "./shards/shard-pool.js";
import type { ShardStats } from "./shards/shard-protocol.js";
import type { ShardRecordings } from "./shards/recordings-merge.js";
import { startTlsMedia, type TlsMedia } from "./tls/index.js";
import { recorderTuningDefaults, startRecorder, type RecorderTuning } from "./recording/start-recorder.js";
import { startAnalyser } from "./ai/start-analyser.js";

/** Knobs that are not operator settings; tests shorten them. */
export interface MediaRelayTuning extends RecorderTuning {
  leaseTtlMs: number;
  portRestMs: number;
  maxViewerBufferBytes: number;
  gopCacheBytes: number;
  playsPerChannel: number;
  tickMs: number;
  /** How long stream.authorize answers are reused. */
  authCacheMs: number;
  authTimeoutMs: number;
  /** An RTMP connection idle this long before it publishes/plays, or a silent publisher, is closed. */
  rtmpIdleMs: number;
  /** How long the push URL handed to a gateway box stays valid (its ffmpeg restarts reuse it). */
  gatewayPushSignSeconds: number;
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
  /** This process is shard 0 of a sharded relay: it listens, and `shards` own the other shards' streams. */
  shards?: ShardPool;
  /** This process is shard `index` (≥ 1) of `count`: loopback HTTP only, connections come from shard 0. */
  shard?: { index: number; count: number; frontPort: number };
}

export interface MediaRelay {
  /** The bound HTTP port (MEDIA_HTTP_PORT, or the system's choice when it is 0). */
  readonly httpPort: number;
  /** The bound RTMP port (RTMP_PORT, or the system's choice when it is 0). */
  readonly rtmpPort: number;
  /** The address put into SDP for devices. */
  readonly mediaIp: string;
  readonly registry: StreamRegistry;
  /** Streams RTMP devices and gateway boxes publish here. */
  readonly pushed: PushedStreams;
  /** Gateway channels this relay asked boxes to push. */
  readonly gateways: GatewayPulls;
  readonly timelines: TimelineStore;
  /** Signaling's requests answered from this process's streams (shard 0 forwards the others' here). */
  readonly requests: MediaRequests;
  /** Serves a connection accepted elsewhere (shard 0 hands viewers to their shard), with the bytes read from it. */
  accept(socket: Socket, head: Buffer): void;
  stats(): ShardStats;
  /** The channels this process records, with their state. */
  recordings(): ShardRecordings;
  /** HTTPS/WSS on the node's play domains (MEDIA_HTTPS_PORT); only the listening process has it, not shard processes. */
  readonly tls: TlsMedia | undefined;
  close(): Promise<void>;
}

const defaults: MediaRelayTuning = {
  leaseTtlMs: 30_000,
  portRestMs: 90_000,
  maxViewerBufferBytes: 8 * 1024 * 1024,
  gopCacheBytes: 16 * 1024 * 1024,
  playsPerChannel: 20,
  tickMs: 20,
  authCacheMs: 10_000,
  authTimeoutMs: 3000,
  rtmpIdleMs: 15_000,
  gatewayPushSignSeconds: 24 * 3600,
  ...recorderTuningDefaults,
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

/** What a relay process takes from its service shell (the listening process and each shard alike). */
export function relayDepsOf(shell: ServiceShell<MediaRelayConfig>): Pick<MediaRelayDeps, "config" | "bus" | "redis" | "clusterId" | "instance" | "logger" | "metrics"> {
  if (shell.redis === undefined) throw new Error("media-relay needs Redis (its port and SSRC leases)");
  return { config: shell.config, bus: shell.bus, redis: shell.redis, clusterId: shell.clusterId, instance: shell.instance, logger: shell.logger, metrics: shell.metrics };
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
  const self = deps.shard?.index ?? 0;
  const shardCount = deps.shards?.count ?? deps.shard?.count ?? 1;
  const pool = deps.shards;
  const recorder = await startRecorder({
    config,
    bus: deps.bus,
    clusterId: deps.clusterId,
    registry,
    logger,
    metrics: deps.metrics,
    tuning,
    shard: { index: self, count: shardCount },
    ...(pool !== undefined ? { peers: () => pool.eachShard<ShardRecordings>("recordings") } : {}),
  });
  const analyser = await startAnalyser({ config, bus: deps.bus, clusterId: deps.clusterId, registry, logger, metrics: deps.metrics });
  const local = localMediaRequests(registry, timelines);
  // Only the listening process is on the bus for signaling; shard processes hear it through IPC.
  const requests = pool !== undefined ? shardedMediaRequests(local, pool) : local;
  const subscriptions = deps.shard === undefined ? serveBusApi(deps.bus, deps.clusterId, requests) : [];
  const authorizer = new StreamAuthorizer(deps.bus, { clusterId: deps.clusterId, cacheMs: tuning.authCacheMs, timeoutMs: tuning.authTimeoutMs, pullAuth: config.PULL_AUTH ? "api" : "off" });
  const pullGuard = new PullGuard(authorizer);
  const pushed = new PushedStreams();
  let rtmpPort = config.RTMP_PORT;
  const gateways = new GatewayPulls({
    bus: deps.bus,
    authorizer,
    pushed,
    timelines,
    pushBase: () => `rtmp://${mediaIp.includes(":") ? `[${mediaIp}]` : mediaIp}:${rtmpPort}`,
    app: LIVE_APP,
    playTimeoutMs: config.PLAY_TIMEOUT,
    noViewerMs: config.NO_VIEWER_CLOSE,
    pushSignSeconds: tuning.gatewayPushSignSeconds,
    logger,
    metrics,
  });
  const pushedRoutes = new PushedRoutes(pushed, config.PLAY_TIMEOUT, gateways);
  const rtmp = new RtmpServer({
    bus: deps.bus,
    clusterId: deps.clusterId,
    registry,
    pushed,
    gateways,
    authorizer,
    settings: {
      maxViewerBufferBytes: tuning.maxViewerBufferBytes,
      gopCacheBytes: tuning.gopCacheBytes,
      hlsRoot: resolve(config.IVC_VAR_DIR, "hls"),
      ...(tuning.ffmpegBinary !== undefined ? { ffmpegBinary: tuning.ffmpegBinary } : {}),
    },
    connection: { chunkSize: 4096, windowSize: 5_000_000, idleMs: tuning.rtmpIdleMs },
    playTimeoutMs: config.PLAY_TIMEOUT,
    logger,
    metrics,
    rtmpMetrics: createRtmpMetrics(deps.metrics),
    ...(pool !== undefined
      ? {
          otherShard: (streamId: string, query: URLSearchParams, deviceId: string | undefined) => {
            const shard = shardOfStream(streamId, pool.count);
            if (shard === 0) return undefined;
            const port = pool.internalPort(shard);
            if (port === undefined) return Promise.reject(new Error(`relay shard ${shard} is restarting`));
            const forwarded = new URLSearchParams(query);
            if (deviceId !== undefined) forwarded.set("device", deviceId);
            return pullFromShard(port, streamId, forwarded, tuning.maxViewerBufferBytes);
          },
        }
      : {}),
  });
  // RTMP (pushes, gateway boxes, players) is parsed by the listening process only.
  if (deps.shard === undefined) rtmpPort = await rtmp.listen(config.RTMP_PORT, config.MEDIA_BIND);
  else rtmpPort = 0;
  // Every relay hears every change (no queue group): a disabled or deleted device stops publishing here.
  const deviceChanges = deps.bus.subscribe(deviceChanged, ({ deviceId }) => {
    authorizer.forget(deviceId);
    rtmp.recheckPublishers(deviceId).catch((err: unknown) => logger.warn({ deviceId, err: err instanceof Error ? err.message : String(err) }, "rechecking RTMP publishers failed"));
  });

  const server: Server = createServer((req, res) => {
    void (async () => {
      if (!config.MEDIA_OPS_PUBLIC && isOperatorPath(req) && !isLoopbackPeer(req)) {
        logger.warn({ url: req.url?.split("?")[0], remoteAddress: req.socket.remoteAddress }, "operator path refused to a non-loopback peer");
        res.writeHead(403, { "content-type": "application/json", "cache-control": "no-store" });
        res.end(JSON.stringify({ error: "operator path", reason: "answered to loopback only; set MEDIA_OPS_PUBLIC=true to expose it" }));
        return;
      }
      if (pool !== undefined && deps.ops !== undefined && req.url?.split("?")[0] === "/metrics") {
        // One exposition for the relay, whichever process holds a series.
        const texts = [await deps.ops.metrics.metrics(), ...(await pool.fromEach<string>("metrics"))];
        res.writeHead(200, { "content-type": deps.ops.metrics.contentType });
        res.end(mergeExpositions(texts));
        return;
      }
      if (deps.ops !== undefined && (await handleOpsRequest(req, res, deps.ops))) return;
      if (shardCount > 1) {
        const owner = shardOfTarget(req.url ?? "/", shardCount, (id) => pushed.get(id) !== undefined);
        if (owner !== self) {
          // A kept-alive connection routed by an earlier request for another shard's stream.
          const port = pool !== undefined ? pool.internalPort(owner) : deps.shard?.frontPort;
          if (port !== undefined) return forwardRequest(req, res, deps.shard !== undefined ? loopbackOf(config.MEDIA_BIND) : "127.0.0.1", port);
          res.writeHead(503, { "content-type": "application/json", "retry-after": "2" });
          res.end(JSON.stringify({ error: "relay shard restarting", stage: "relay", shard: owner }));
          return;
        }
      }
      // Snapshot URLs carry the API's own signature, checked by the analyser.
      if (analyser.handle(req, res)) return;
      const verdict = await pullGuard.check(req);
      if (!verdict.ok) {
        const denied = verdict.rejection;
        logger.warn({ url: req.url?.split("?")[0], streamId: denied.body.streamId, reason: denied.body.reason }, "viewer refused");
        res.writeHead(denied.status, { "content-type": "application/json", "cache-control": "no-store" });
        res.end(JSON.stringify(denied.body));
        return;
      }
      if (pushedRoutes.handle(req, res) || recorder.handle(req, res)) return;
      if (routes.handle(req, res, verdict.deviceId)) return;
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "not found", paths: ["/live/<streamId>.live.flv", "/hls/<streamId>/index.m3u8", "/api/plays/<device>_<channel>", "/healthz", "/metrics"] }));
    })().catch((err: Error) => {
      logger.warn({ err: err.message, url: req.url }, "media HTTP request failed");
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.on("upgrade", (req, socket) => {
    void (async () => {
      const verdict = await pullGuard.check(req);
      if (!verdict.ok) {
        const text = JSON.stringify(verdict.rejection.body);
        socket.end(`HTTP/1.1 ${verdict.rejection.status} Forbidden\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
        return;
      }
      if (!pushedRoutes.handleUpgrade(req, socket) && !routes.handleUpgrade(req, socket, verdict.deviceId)) socket.end("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
    })().catch(() => socket.destroy());
  });
  // Sharded: the public port reads each connection's request line and passes it to its shard.
  const routed = new Set<Socket>();
  const listener =
    pool !== undefined
      ? createTcpServer({ pauseOnConnect: true }, (socket) => {
          routed.add(socket);
          socket.once("close", () => routed.delete(socket));
          routeConnection(socket, { pool, local: server, isPushed: (id) => pushed.get(id) !== undefined, logger });
        })
      : server;
  await new Promise<void>((resolveListen, reject) => {
    listener.once("error", reject);
    const [port, host] = deps.shard !== undefined ? [0, "127.0.0.1"] : [config.MEDIA_HTTP_PORT, config.MEDIA_BIND];
    listener.listen(port, host, () => {
      listener.off("error", reject);
      resolveListen();
    });
  });
  // TLS viewers are decrypted here: a sharded relay pipes another shard's to it (a TLS descriptor cannot travel).
  const serveSecure = (socket: TLSSocket): void => {
    if (pool !== undefined) routeConnection(socket, { pool, local: server, isPushed: (id) => pushed.get(id) !== undefined, logger });
    else server.emit("connection", socket);
  };
  const tls = deps.shard === undefined ? await startTlsMedia({ bus: deps.bus, clusterId: deps.clusterId, port: config.MEDIA_HTTPS_PORT, host: config.MEDIA_BIND, logger, onSecureConnection: serveSecure }) : undefined;
  const address = listener.address();
  const httpPort = typeof address === "object" && address !== null ? address.port : config.MEDIA_HTTP_PORT;
  if (pool !== undefined) {
    deps.ops?.health.register("relay-shards", () => ({ ok: pool.ready === pool.count - 1, detail: `${pool.ready + 1} of ${pool.count} shard processes up` }));
    await pool.start(httpPort);
  }

  const ticker = setInterval(() => {
    const now = Date.now();
    registry.tick(now);
    gateways.tick(now);
    let waiting = 0;
    let playing = 0;
    for (const s of registry.all()) if (s.state === "playing") playing++;
    else waiting++;
    playing += pushed.size;
    metrics.streams.set({ state: "waiting" }, waiting);
    metrics.streams.set({ state: "playing" }, playing);
  }, tuning.tickMs);
  const refresher = setInterval(() => void registry.refreshLeases(), Math.max(1000, Math.floor(tuning.leaseTtlMs / 3)));

  logger.info({ httpPort, rtmpPort, mediaIp, rtpPorts: config.RTP_PORTS, clusterId: deps.clusterId }, "media relay listening");
  return {
    httpPort,
    rtmpPort,
    mediaIp,
    registry,
    pushed,
    gateways,
    timelines,
    tls,
    requests: local,
    accept: (socket, head) => serveConnection(server, socket, head),
    stats: () => shardStats(self, registry),
    recordings: () => recorder.own(),
    async close() {
      clearInterval(ticker);
      clearInterval(refresher);
      for (const sub of subscriptions) sub.unsubscribe();
      deviceChanges.unsubscribe();
      await gateways.stopAll("relay stopping");
      await rtmp.close();
      await analyser.stop();
      await recorder.stop();
      await registry.endAll("relay stopping");
      await tls?.close();
      server.closeAllConnections();
      if (listener !== server) {
        // Not awaited: the listener counts connections it handed to a shard as its own until they end there.
        listener.close();
        for (const socket of routed) socket.destroy();
      }
      await new Promise<void>((done) => server.close(() => done()));
      await pool?.close();
    },
  };
}

/** Paths for the operator, not for viewers: every stream's SSRCs, addresses and timelines. */
function isOperatorPath(req: IncomingMessage): boolean {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  return path === "/metrics" || path.startsWith("/api/");
}

function isLoopbackPeer(req: IncomingMessage): boolean {
  const address = req.socket.remoteAddress ?? "";
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}

/** The address shard 0 listens on, as a shard process reaches it. */
function loopbackOf(bind: string): string {
  return bind === "0.0.0.0" ? "127.0.0.1" : bind;
}

function shardStats(shard: number, registry: StreamRegistry): ShardStats {
  let streams = 0;
  let viewers = 0;
  let rtpPackets = 0;
  let rtpLost = 0;
  for (const session of registry.all()) {
    const { receiver } = session.stats;
    streams++;
    viewers += session.viewerCount;
    rtpPackets += receiver.packets;
    rtpLost += receiver.reorder.lost + receiver.reorder.late;
  }
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const { idle, active } = performance.eventLoopUtilization();
  return {
    shard,
    pid: process.pid,
    streams,
    viewers,
    rtpPackets,
    rtpLost,
    rssBytes: memory.rss,
    heapBytes: memory.heapTotal,
    externalBytes: memory.external,
    cpuMicros: cpu.user + cpu.system,
    eventLoop: { idle, active },
  };
}
