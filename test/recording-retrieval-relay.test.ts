import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Bus, connectNats, recordingRetrievalChanged, recordingSegmentStored, type RetrievalChange, type StoredSegment } from "@ivc/bus";
import { createLogger, loadConfig, Registry } from "@ivc/runtime";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSecretBox } from "../services/api/src/accounts/secret-box.js";
import { createDeviceEventHandlers } from "../services/api/src/bus/device-events.js";
import { createNatsRetrievalChanges } from "../services/api/src/bus/retrieval-changes.js";
import { serveRecordingBus } from "../services/api/src/recordings/recording-bus.js";
import { createHarness, testNode, type Harness } from "../services/api/test/support/harness.js";
import { createTestDatabase, type TestDatabase } from "../services/api/test/support/pg.js";
import { mediaRelayEnv, startMediaRelay, type MediaRelay } from "../services/media-relay/src/index.js";
import { RecordingLifecycle } from "../services/media-relay/src/recording/lifecycle.js";
import { createRecordingMetrics } from "../services/media-relay/src/recording/recording-metrics.js";
import { S3SegmentStorage } from "../services/media-relay/src/recording/storage/s3-storage.js";
import { segmentKey } from "../services/media-relay/src/recording/storage/segment-storage.js";
import { startS3Server, type TestS3Server } from "../services/media-relay/test/support/s3-server.js";
import { freeRtpRange } from "./support/ports.js";
import { startPrivateNats, type PrivateNats } from "./support/private-nats.js";
import { waitFor } from "./support/wait.js";

// A retrieval task takes effect at once: the API's retrievetask/add publishes
// recording.retrieval-changed, and a real media-relay (its lifecycle pass an hour away) restores
// the task's cold segments from S3 (s3rver) right away. The cold objects are GLACIER, so the relay
// first asks RestoreObject, which s3rver refuses, and falls back to the copy. Then the range plays
// from the relay. The API's side runs in this process on a private nats-server, real PostgreSQL.

const DAY = 86_400_000;
const PREFIX = "gw/";
let testDb: TestDatabase;
let h: Harness;
let nats: PrivateNats;
let nc: Awaited<ReturnType<typeof connectNats>>;
let bus: Bus;
let subs: Array<{ unsubscribe(): void }>;
let s3: TestS3Server;
let raw: S3Client;
let redis: Redis;
let relay: MediaRelay;
let varDir: string;
let device: { id: string; code: string; channelId: string; channelCode: string };
const cold: Array<{ segment: StoredSegment; bytes: Buffer }> = [];
const changes: RetrievalChange[] = [];
const t0 = Math.floor((Date.now() - 10 * DAY) / 1000) * 1000;

beforeAll(async () => {
  const logger = createLogger("retrieval-relay-test", process.env.TEST_LOG_LEVEL ?? "silent");
  nats = await startPrivateNats(logger);
  nc = await connectNats({ url: nats.url, name: "retrieval-relay-test", logger });
  bus = new Bus(nc, logger);
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database, { retrievalChanges: createNatsRetrievalChanges(bus, logger) });
  subs = [
    ...serveRecordingBus(bus, { db: testDb.database.db, box: createSecretBox(randomBytes(32)), listDesiredRecordings: () => Promise.resolve([]) }),
    bus.subscribe(recordingRetrievalChanged, (change) => void changes.push(change)),
  ];
  s3 = await startS3Server();
  raw = new S3Client({ endpoint: s3.endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });

  const added = (await h.call<{ Id: string; Code: string }>(h.alice, "POST", "/ivc/cms/device/add", { Name: "nvr", AccessProtocol: 2, Type: 2, Password: "12345678", OrganizationId: "0", ClusterId: testNode.id })).env.Data;
  await createDeviceEventHandlers(testDb.database.db).catalog({ clusterId: testNode.id, deviceId: added.Code, channels: [{ channelId: "34020000001310000001", name: "ch0", online: true }] });
  const [listed] = (await h.call<Array<{ ChannelId: string; ChannelCode: string }>>(h.alice, "GET", `/ivc/cms/device/channel?DeviceId=${added.Id}`)).env.Data;
  device = { id: added.Id, code: added.Code, channelId: listed?.ChannelId ?? "", channelCode: listed?.ChannelCode ?? "" };

  // Three 4 s segments stored ten days ago and moved cold after their 1 day, by a lifecycle pass on
  // the same bucket at a moved clock; then re-written in GLACIER, as an archive store holds them.
  const storage = new S3SegmentStorage({ endpoint: s3.endpoint, region: "us-east-1", bucket: s3.bucket, accessKeyId: "S3RVER", secretAccessKey: "S3RVER", prefix: PREFIX });
  for (let i = 0; i < 3; i++) {
    const startMs = t0 + i * 4000;
    const objectKey = segmentKey(device.code, device.channelCode, startMs, startMs + 4000);
    const bytes = Buffer.alloc(188 * 4, 0x47 + i);
    const segment: StoredSegment = { deviceId: device.code, channelId: device.channelCode, planId: "p", startMs, endMs: startMs + 4000, bytes: bytes.length, storage: "s3", objectKey, transitionDays: 1, expirationDays: 60 };
    await storage.put(objectKey, bytes);
    await bus.request(recordingSegmentStored, { clusterId: testNode.id }, segment);
    cold.push({ segment, bytes });
  }
  const mover = new RecordingLifecycle({ bus, clusterId: testNode.id, storage, logger, metrics: createRecordingMetrics(new Registry()), now: () => t0 + 2 * DAY, batch: 100, restoreCheckMs: 60_000 });
  expect(await mover.runOnce()).toMatchObject({ cold: 3 });
  storage.close();
  for (const { segment, bytes } of cold) await raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${PREFIX}cold/${segment.objectKey}`, Body: bytes, StorageClass: "GLACIER" }));

  varDir = mkdtempSync(join(tmpdir(), "ivc-retrieval-relay-"));
  redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const config = loadConfig(mediaRelayEnv, {
    MEDIA_HTTP_PORT: "0",
    MEDIA_HTTPS_PORT: "0",
    RTMP_PORT: "0",
    PULL_AUTH: "false",
    MEDIA_BIND: "127.0.0.1",
    RTP_PORTS: await freeRtpRange(4),
    SIP_DOMAIN: "3402000000",
    IVC_VAR_DIR: varDir,
    RECORDING_STORAGE: "s3",
    RECORDING_S3_ENDPOINT: s3.endpoint,
    RECORDING_S3_BUCKET: s3.bucket,
    RECORDING_S3_ACCESS_KEY: "S3RVER",
    RECORDING_S3_SECRET_KEY: "S3RVER",
    RECORDING_S3_PREFIX: PREFIX,
    RECORDING_S3_COLD_CLASS: "GLACIER",
  });
  // The lifecycle pass (and with it the periodic retrieval) an hour away: only the event can start the work.
  relay = await startMediaRelay({ config, bus, redis, clusterId: testNode.id, instance: `retrieval-relay-${process.pid}`, logger, metrics: new Registry(), tuning: { recordingLifecycleMs: 3_600_000 } });
}, 60_000);

afterAll(async () => {
  await relay?.close();
  subs?.forEach((s) => s.unsubscribe());
  const keys = (await redis?.keys(`ivc:*:${testNode.id}:*`)) ?? [];
  if (keys.length > 0) await redis.del(...keys);
  redis?.disconnect();
  raw?.destroy();
  await nc?.drain();
  await nats?.stop();
  await h?.app.close();
  await testDb?.drop();
  await s3?.close();
  if (varDir) rmSync(varDir, { recursive: true, force: true });
});

interface Task {
  TaskId: string;
  Status: number;
  Channels: Array<{ ChannelId: string; Status: number }>;
}

const startS = () => t0 / 1000 - 60;
const streamId = () => `${device.code}_${device.channelCode}`;
const relayGet = (path: string) => fetch(`http://127.0.0.1:${relay.httpPort}${path}?starttime=${startS()}&endtime=${startS() + 3600}`);

describe("a retrieval task on a running relay", () => {
  it("is restored right after retrievetask/add, long before the lifecycle pass, and the range plays from the relay", async () => {
    expect((await relayGet(`/record/${streamId()}/hls.m3u8`)).status).toBe(404);
    const addedAt = Date.now();
    const added = await h.call<Task>(h.alice, "POST", "/ivc/record/retrievetask/add", {
      TaskName: "now",
      StartTime: startS(),
      EndTime: startS() + 3600,
      Mode: 1,
      Expiration: 3,
      Channels: [{ DeviceId: device.id, ChannelId: device.channelId }],
    });
    expect(added.env.StatusCode).toBe(200);
    const taskId = added.env.Data.TaskId;
    const details = await waitFor(
      "the channel's Status to reach 0",
      async () => {
        const task = (await h.call<Task>(h.alice, "GET", `/ivc/record/retrievetaskdetails/query?TaskId=${taskId}`)).env.Data;
        return task.Channels[0]?.Status === 0 ? task : undefined;
      },
      10_000,
      100,
    );
    expect(details).toMatchObject({ Status: 0, Channels: [{ ChannelId: device.channelId, Status: 0 }] });
    expect(Date.now() - addedAt).toBeLessThan(10_000);
    expect(changes).toContainEqual(expect.objectContaining({ taskId, clusterIds: [testNode.id], change: "added" }));

    // Played from the relay: the playlist names the three segments, each read back from the restored copy.
    const playlist = await relayGet(`/record/${streamId()}/hls.m3u8`);
    expect(playlist.status).toBe(200);
    const text = await playlist.text();
    for (const { segment, bytes } of cold) {
      expect(text).toContain(`seg-${segment.startMs}.ts`);
      const piece = await relayGet(`/record/${streamId()}/seg-${segment.startMs}.ts`);
      expect(piece.status).toBe(200);
      expect(Buffer.from(await piece.arrayBuffer()).equals(bytes)).toBe(true);
    }
    expect((await h.call(h.alice, "GET", `/ivc/record/playback/url?ChannelId=${device.channelId}&StartTime=${startS()}&EndTime=${startS() + 3600}`)).env.StatusCode).toBe(200);

    // The delete is announced to the same relay (restored copies stay until they expire).
    expect((await h.call(h.alice, "POST", "/ivc/record/retrievetask/delete", { TaskId: taskId })).env.StatusCode).toBe(200);
    await waitFor("the delete's announcement", async () => (changes.some((c) => c.taskId === taskId && c.change === "deleted") ? true : undefined), 5000, 50);
    expect(changes.find((c) => c.change === "deleted")).toMatchObject({ clusterIds: [testNode.id] });
    expect((await relayGet(`/record/${streamId()}/hls.m3u8`)).status).toBe(200);
  }, 30_000);
});
