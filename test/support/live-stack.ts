import { randomInt, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Redis } from "ioredis";
import { Bus, connectNats, deviceCredentials, type DeviceCredentialsReply } from "@ivc/bus";
import { generateTestPattern, StreamingMediaResponder, VirtualDevice, type StreamingResponderOptions, type VirtualDeviceOptions } from "@ivc/device-sim";
import { createLogger, loadConfig, Registry } from "@ivc/runtime";
import { startSipServer, type SipServer } from "../../services/sip-server/src/server.js";
import { mediaRelayEnv, startMediaRelay, type MediaRelay, type MediaRelayTuning } from "../../services/media-relay/src/index.js";
import { freePort, freeRtpRange } from "./ports.js";

export const SERVER_ID = "34020000002000000001";

export interface LiveStack {
  sip: SipServer;
  relay: MediaRelay;
  device: VirtualDevice;
  responder: StreamingMediaResponder;
  /** The stack's own NATS client and cluster, for a test standing in for the API. */
  bus: Bus;
  clusterId: string;
  varDir: string;
  close(): Promise<void>;
}

export interface LiveStackOptions {
  /** Names the logger, the NATS client and the temporary folder. */
  name: string;
  codec?: "H264" | "H265";
  noViewerSeconds: number;
  /** Extra responder options (e.g. answering another SSRC than offered). */
  responder?: (domain: string) => Partial<StreamingResponderOptions>;
  /** Extra device options (channels, recordings). */
  device?: Pick<VirtualDeviceOptions, "channels" | "kind" | "recordings">;
  /** Extra relay settings and tuning (recording directory, poll periods). */
  relayEnv?: Record<string, string>;
  relayTuning?: Partial<MediaRelayTuning>;
}

/**
 * The on-demand live path in one process: sip-server and media-relay started from their sources
 * on real NATS/Redis, a stand-in for the API's device credentials on this stack's own cluster
 * subject, and a registered virtual device streaming the ffmpeg test picture with G.711A.
 */
export async function startLiveStack(options: LiveStackOptions): Promise<LiveStack> {
  const video = (await generateTestPattern(undefined, options.codec === "H265" ? 4 : 10, options.codec ?? "H264")) ?? "";
  if (!video) throw new Error("this test needs ffmpeg at /usr/bin/ffmpeg");
  const logger = createLogger(options.name, process.env.TEST_LOG_LEVEL ?? "silent");
  const nc = await connectNats({ url: process.env.NATS_URL ?? "nats://127.0.0.1:4222", name: options.name, logger });
  const bus = new Bus(nc, logger);
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const clusterId = randomUUID();
  const domain = `34${String(randomInt(0, 99_999_999)).padStart(8, "0")}`;
  const credentials = new Map<string, DeviceCredentialsReply>();

  nc.subscribe(deviceCredentials.subject({ clusterId }), {
    callback: (_err, msg) => {
      const { deviceId } = JSON.parse(new TextDecoder().decode(msg.data)) as { deviceId: string };
      const answer = credentials.get(deviceId);
      if (answer) msg.respond(JSON.stringify({ ok: true, data: answer }));
    },
  });

  const sip = await startSipServer({
    config: {
      SIP_ID: SERVER_ID,
      SIP_DOMAIN: domain,
      SIP_PORT: await freePort(),
      SIP_BIND: "127.0.0.1",
      SIP_HOST: "127.0.0.1",
      KEEPALIVE_INTERVAL: 60_000,
      KEEPALIVE_MISSES: 3,
      CATALOG_TIMEOUT: 3000,
    },
    clusterId,
    logger,
    bus,
    redis,
    metrics: new Registry(),
  });

  const varDir = mkdtempSync(join(tmpdir(), `ivc-${options.name}-`));
  const relayConfig = loadConfig(mediaRelayEnv, {
    MEDIA_HTTP_PORT: "0",
    MEDIA_HTTPS_PORT: "0",
    RTMP_PORT: "0",
    PULL_AUTH: "false",
    MEDIA_BIND: "127.0.0.1",
    RTP_PORTS: await freeRtpRange(10),
    NO_VIEWER_CLOSE: String(options.noViewerSeconds),
    SIP_DOMAIN: domain,
    IVC_VAR_DIR: varDir,
    ...options.relayEnv,
  });
  const relay = await startMediaRelay({ config: relayConfig, bus, redis, clusterId, instance: `${options.name}-${clusterId}`, logger, metrics: new Registry(), tuning: { portRestMs: 500, ...options.relayTuning } });

  const responder = new StreamingMediaResponder({ codec: options.codec ?? "H264", video, audio: true, ...options.responder?.(domain) });
  const device = new VirtualDevice({
    deviceId: `${domain}1320000001`,
    password: "pw",
    serverHost: "127.0.0.1",
    serverPort: sip.port,
    serverId: SERVER_ID,
    domain,
    localHost: "127.0.0.1",
    keepaliveInterval: 5,
    mediaResponder: responder,
    ...options.device,
  });
  credentials.set(device.deviceId, { found: true, clusterId, enabled: true, password: "pw", deviceType: "IPC", transport: "udp" });
  await device.start();

  return {
    sip,
    relay,
    device,
    responder,
    bus,
    clusterId,
    varDir,
    async close() {
      await device.stop();
      await responder.close();
      await relay.close();
      await sip.close();
      const keys = await redis.keys(`ivc:*:${clusterId}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await nc.drain();
      rmSync(varDir, { recursive: true, force: true });
      await rm(dirname(video), { recursive: true, force: true });
    },
  };
}
