import { createServer, type Server, type Socket } from "node:net";
import { rtmpPushEnded, rtmpPushStarted, type Bus } from "@ivc/bus";
import type { Logger } from "@ivc/runtime";
import type { RelayMetrics } from "../metrics.js";
import type { ShardFlvSource } from "../shards/shard-flv-source.js";
import { viewedStream, type StreamRegistry } from "../stream-registry.js";
import type { GatewayPulls } from "./gateway-pulls.js";
import { PushedStream, type PushedStreamSettings } from "./pushed-stream.js";
import type { PushedStreams } from "./pushed-streams.js";
import { RtmpConnection, type PlayOutcome, type PublishOutcome, type RtmpConnectionOptions } from "./rtmp-connection.js";
import type { RtmpMetrics } from "./rtmp-metrics.js";
import type { StreamAuthorizer } from "./stream-authorizer.js";
import type { StreamName } from "./stream-name.js";

export interface RtmpServerDeps {
  bus: Bus;
  clusterId: string;
  registry: StreamRegistry;
  pushed: PushedStreams;
  gateways: GatewayPulls;
  authorizer: StreamAuthorizer;
  settings: PushedStreamSettings;
  connection: RtmpConnectionOptions;
  playTimeoutMs: number;
  logger: Logger;
  metrics: RelayMetrics;
  rtmpMetrics: RtmpMetrics;
  /**
   * A sharded relay: a GB stream another shard process owns, fed to a player here; undefined when
   * the stream is this process's own.
   */
  otherShard?: (streamId: string, query: URLSearchParams, deviceId: string | undefined) => Promise<ShardFlvSource> | undefined;
}

/** The application name of every stream path (`/live/<streamId>`), as in the HTTP-FLV URLs. */
export const LIVE_APP = "live";

/** A refusal reason without its details, for a metric label. */
function reasonLabel(reason: string): string {
  return reason.split(/[(:]/)[0]!.trim().slice(0, 48);
}

/**
 * RTMP on RTMP_PORT: devices publish `rtmp://host/live/<code>?sign=…` (accepted only for an
 * existing, enabled RTMP device with a valid signature when push auth is on, or a gateway box's
 * channel signed with its gateway's secret; one publisher per stream); anyone allowed by pull auth
 * plays `rtmp://host/live/<streamId>` — a pushed stream, a GB stream or (with `?gw=`) a gateway
 * channel, started on demand like HTTP-FLV does — from the GOP cache, then live.
 */
export class RtmpServer {
  private readonly server: Server;
  /** Each open connection and the role its metric is counted under. */
  private readonly connections = new Map<RtmpConnection, "pending" | "publisher" | "player">();

  constructor(private readonly deps: RtmpServerDeps) {
    this.server = createServer((socket) => this.accept(socket));
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const address = this.server.address();
    return typeof address === "object" && address !== null ? address.port : port;
  }

  async close(): Promise<void> {
    for (const connection of [...this.connections.keys()]) connection.close("relay stopping", true);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const connection = new RtmpConnection(socket, this.handlers, this.deps.connection);
    this.connections.set(connection, "pending");
    this.deps.rtmpMetrics.sessions.inc({ role: "pending" });
  }

  private readonly handlers = {
    publish: (connection: RtmpConnection, name: StreamName) => this.publish(connection, name),
    play: (connection: RtmpConnection, name: StreamName) => this.play(connection, name),
    closed: (connection: RtmpConnection, reason: string) => this.closed(connection, reason),
  };

  /**
   * The API changed device `deviceId`: a publisher of its stream (an RTMP device's own stream, or
   * a gateway channel of it) is asked about afresh and disconnected when the device is now disabled
   * or deleted, so its viewers end and the device goes offline (`rtmp.push.ended`).
   */
  async recheckPublishers(deviceId: string): Promise<void> {
    const publishers = [...this.connections].filter(([connection, role]) => role === "publisher" && connection.publishing?.deviceId === deviceId).map(([connection]) => connection);
    for (const connection of publishers) {
      const stream = connection.publishing!;
      const verdict = await this.deps.authorizer.publishStillAllowed(stream.app, stream.streamId);
      if (verdict === undefined || verdict.ok) continue;
      this.deps.logger.warn({ streamId: stream.streamId, deviceId, remote: connection.remoteAddress }, `RTMP publish stopped: ${verdict.reason}`);
      connection.close(verdict.reason, true);
    }
  }

  private moveRole(connection: RtmpConnection, to: "publisher" | "player"): void {
    const from = this.connections.get(connection);
    if (from === undefined) return;
    this.connections.set(connection, to);
    this.deps.rtmpMetrics.sessions.dec({ role: from });
    this.deps.rtmpMetrics.sessions.inc({ role: to });
  }

  private refuse(direction: "push" | "pull", name: StreamName, connection: RtmpConnection, reason: string): { ok: false; reason: string } {
    this.deps.rtmpMetrics.refused.inc({ direction, reason: reasonLabel(reason) });
    this.deps.logger.warn({ streamId: name.streamId, app: name.app, remote: connection.remoteAddress, direction }, `RTMP ${direction === "push" ? "publish" : "play"} refused: ${reason}`);
    return { ok: false, reason };
  }

  private async publish(connection: RtmpConnection, name: StreamName): Promise<PublishOutcome> {
    const { pushed, registry, authorizer, clusterId, logger } = this.deps;
    if (name.app !== LIVE_APP) return this.refuse("push", name, connection, `unknown app ${name.app}`);
    if (pushed.get(name.streamId) !== undefined) return this.refuse("push", name, connection, "stream already has a publisher");
    const decision = await authorizer.check("push", name.app, name.streamId, name.query);
    if (!decision.ok) return this.refuse("push", name, connection, decision.reason);
    // Checked again: another publisher may have won while the API was asked.
    if (pushed.get(name.streamId) !== undefined) return this.refuse("push", name, connection, "stream already has a publisher");
    if (registry.get(name.streamId) !== undefined) return this.refuse("push", name, connection, "stream already live over GB28181");
    const stream = new PushedStream(name.app, name.streamId, decision.deviceId, this.deps.settings, logger, this.deps.metrics);
    pushed.add(stream);
    this.moveRole(connection, "publisher");
    this.deps.rtmpMetrics.publishes.inc();
    logger.info({ streamId: name.streamId, deviceId: decision.deviceId, gwId: decision.gwId, remote: connection.remoteAddress }, "RTMP publish started");
    this.deps.gateways.published(stream, decision.gwId);
    this.deps.bus.publish(rtmpPushStarted, {
      clusterId,
      app: name.app,
      streamId: name.streamId,
      ...(decision.deviceId !== undefined ? { deviceId: decision.deviceId } : {}),
      remoteAddress: connection.remoteAddress,
      at: Date.now(),
    });
    return { ok: true, stream };
  }

  private async play(connection: RtmpConnection, name: StreamName): Promise<PlayOutcome> {
    const { pushed, registry, authorizer, gateways, playTimeoutMs } = this.deps;
    if (name.app !== LIVE_APP) return { ...this.refuse("pull", name, connection, `unknown app ${name.app}`), code: "NetStream.Play.StreamNotFound" };
    const decision = await authorizer.check("pull", name.app, name.streamId, name.query, name.query.get("device") || undefined);
    if (!decision.ok) return { ...this.refuse("pull", name, connection, decision.reason), code: "NetStream.Play.Failed" };
    const viewed = viewedStream(name.streamId, name.query, decision.deviceId);
    if (!viewed.ok) return { ...this.refuse("pull", name, connection, viewed.message), code: "NetStream.Play.Failed" };
    this.moveRole(connection, "player");
    const stream = pushed.get(name.streamId);
    const gwId = name.query.get("gw");
    try {
      if (gwId !== null && gwId !== "") {
        const starting = gateways.start(name.streamId, gwId);
        const release = gateways.hold(name.streamId);
        connection.onClose(release);
        const started = await starting.finally(release);
        return { ok: true, attach: (viewer) => started.addViewer(viewer) };
      }
      if (stream !== undefined) {
        await stream.whenReady(playTimeoutMs);
        return { ok: true, attach: (viewer) => stream.addViewer(viewer) };
      }
      const remote = this.deps.otherShard?.(viewed.streamId, name.query, viewed.deviceId);
      if (remote !== undefined) {
        const source = await remote;
        return { ok: true, attach: (viewer) => source.attach(viewer) };
      }
      const session = await registry.forViewer({ streamId: viewed.streamId, transport: "udp", ...(viewed.deviceId !== undefined ? { deviceId: viewed.deviceId } : {}) });
      const release = session.holdForViewer();
      connection.onClose(release);
      try {
        await session.whenReady(playTimeoutMs);
      } finally {
        release();
      }
      return { ok: true, attach: (viewer) => session.addViewer(viewer) };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return { ...this.refuse("pull", name, connection, reason), code: "NetStream.Play.StreamNotFound" };
    }
  }

  private closed(connection: RtmpConnection, reason: string): void {
    const { pushed, logger, clusterId } = this.deps;
    const role = this.connections.get(connection);
    if (role !== undefined) this.deps.rtmpMetrics.sessions.dec({ role });
    this.connections.delete(connection);
    const stream = connection.publishing;
    if (stream === undefined || pushed.get(stream.streamId) !== stream) return;
    pushed.remove(stream);
    stream.end(`publisher left: ${reason}`);
    logger.info({ streamId: stream.streamId, reason, bytesIn: stream.bytesIn, frames: stream.demuxStats }, "RTMP publish ended");
    this.deps.bus.publish(rtmpPushEnded, {
      clusterId,
      app: stream.app,
      streamId: stream.streamId,
      ...(stream.deviceId !== undefined ? { deviceId: stream.deviceId } : {}),
      reason,
      at: Date.now(),
    });
  }
}
