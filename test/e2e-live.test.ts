import { execFile } from "node:child_process";
import { randomInt, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { Bus, connectNats, deviceCredentials, type DeviceCredentialsReply } from "@ivc/bus";
import { generateTestPattern, StreamingMediaResponder, VirtualDevice } from "@ivc/device-sim";
import { createLogger, loadConfig, Registry } from "@ivc/runtime";
import { startSipServer, type SipServer } from "../services/sip-server/src/server.js";
import { mediaRelayEnv, startMediaRelay, type MediaRelay } from "../services/media-relay/src/index.js";
import { freePort } from "./support/ports.js";

// Issue 5, the on-demand live path in one process: viewer → relay → sip.invite → sip-server →
// INVITE → virtual device → PS over RTP → relay → HTTP-FLV; then no viewer → BYE.

const SERVER_ID = "34020000002000000001";
const NO_VIEWER_SECONDS = 2;

let nc: Awaited<ReturnType<typeof connectNats>>;
let redis: Redis;
let sip: SipServer;
let relay: MediaRelay;
let device: VirtualDevice;
let responder: StreamingMediaResponder;
let video = "";
let varDir = "";
let clusterId = "";
const credentials = new Map<string, DeviceCredentialsReply>();

beforeAll(async () => {
  video = (await generateTestPattern()) ?? "";
  if (!video) throw new Error("this test needs ffmpeg at /usr/bin/ffmpeg");
  const logger = createLogger("e2e-live", process.env.TEST_LOG_LEVEL ?? "silent");
  nc = await connectNats({ url: process.env.NATS_URL ?? "nats://127.0.0.1:4222", name: "e2e-live", logger });
  const bus = new Bus(nc, logger);
  redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  clusterId = randomUUID();
  const domain = `34${String(randomInt(0, 99_999_999)).padStart(8, "0")}`;

  // The API's part: device credentials for the codes this test registers (on this site's subject).
  nc.subscribe(deviceCredentials.subject({ clusterId }), {
    callback: (_err, msg) => {
      const { deviceId } = JSON.parse(new TextDecoder().decode(msg.data)) as { deviceId: string };
      const answer = credentials.get(deviceId);
      if (answer) msg.respond(JSON.stringify({ ok: true, data: answer }));
    },
  });

  sip = await startSipServer({
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

  varDir = mkdtempSync(join(tmpdir(), "ivc-e2e-live-"));
  const rtpBase = 39_400 + randomInt(0, 40) * 10;
  const relayConfig = loadConfig(mediaRelayEnv, {
    MEDIA_HTTP_PORT: "0",
    RTMP_PORT: "0",
    PULL_AUTH: "false",
    MEDIA_BIND: "127.0.0.1",
    RTP_PORTS: `${rtpBase}-${rtpBase + 9}`,
    NO_VIEWER_CLOSE: String(NO_VIEWER_SECONDS),
    SIP_DOMAIN: domain,
    IVC_VAR_DIR: varDir,
  });
  relay = await startMediaRelay({ config: relayConfig, bus, redis, clusterId, instance: `e2e-live-${clusterId}`, logger, metrics: new Registry(), tuning: { portRestMs: 500 } });

  responder = new StreamingMediaResponder({ video, audio: true, answerSsrc: `0${domain.slice(3, 8)}9999` });
  device = new VirtualDevice({
    deviceId: `${domain}1320000001`,
    password: "pw",
    serverHost: "127.0.0.1",
    serverPort: sip.port,
    serverId: SERVER_ID,
    domain,
    localHost: "127.0.0.1",
    keepaliveInterval: 5,
    mediaResponder: responder,
  });
  credentials.set(device.deviceId, { found: true, clusterId, enabled: true, password: "pw", deviceType: "IPC", transport: "udp" });
  await device.start();
}, 60_000);

afterAll(async () => {
  await device?.stop();
  await responder?.close();
  await relay?.close();
  await sip?.close();
  const keys = await redis.keys(`ivc:*:${clusterId}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis?.disconnect();
  await nc?.drain();
  if (varDir) rmSync(varDir, { recursive: true, force: true });
  if (video) await rm(dirname(video), { recursive: true, force: true });
}, 30_000);

function ffprobe(url: string): Promise<{ streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number }> }> {
  return new Promise((resolve, reject) => {
    execFile(
      "ffprobe",
      ["-v", "error", "-rw_timeout", "20000000", "-show_entries", "stream=codec_type,codec_name,width,height", "-of", "json", url],
      { timeout: 30_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`ffprobe failed: ${stderr || error.message}`)) : resolve(JSON.parse(stdout))),
    );
  });
}

describe("live view on demand (issue 5)", () => {
  it("plays a registered device's channel as H.264 640x480 over HTTP-FLV, and BYEs it after the last viewer left", async () => {
    const channelId = device.channels[0]!.id;
    const url = `http://127.0.0.1:${relay.httpPort}/live/${channelId}.live.flv?device=${device.deviceId}`;
    const probed = await ffprobe(url);
    const videoStream = probed.streams.find((s) => s.codec_type === "video");
    expect(videoStream).toMatchObject({ codec_name: "h264", width: 640, height: 480 });

    const invite = device.journal.find((e) => e.method === "INVITE");
    expect(invite?.request.body.toString()).toContain("s=Play");
    const byeAt = Date.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no BYE reached the device")), NO_VIEWER_SECONDS * 1000 + 8000);
      const check = setInterval(() => {
        if (device.journal.some((e) => e.method === "BYE")) {
          clearTimeout(timer);
          clearInterval(check);
          resolve();
        }
      }, 50);
    });
    expect(Date.now() - byeAt).toBeLessThan(NO_VIEWER_SECONDS * 1000 + 8000);
    expect(responder.active).toHaveLength(0);
  }, 60_000);
});
