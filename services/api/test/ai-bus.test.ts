import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { aiDesired, aiResultReported, aiSnapshotAuthorize, Bus, connectNats, recordingLifecycleDone, recordingLifecycleDue } from "@ivc/bus";
import { createLogger, Registry } from "@ivc/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveAiBus, type RecordedChannel } from "../src/ai/ai-bus.js";
import { CALLBACK_SIGNATURE_HEADER, CallbackDispatcher, signCallback } from "../src/ai/callbacks.js";
import { createSnapshotUrls } from "../src/ai/snapshot-urls.js";
import { createDeviceEventHandlers } from "../src/bus/device-events.js";
import { createSecretBox } from "../src/accounts/secret-box.js";
import { serveRecordingBus } from "../src/recordings/recording-bus.js";
import { startPrivateNats, type PrivateNats } from "../../../test/support/private-nats.js";
import { createHarness, testNode, TEST_SNAPSHOT_SECRET, type Harness } from "./support/harness.js";
import { createTestDatabase, type TestDatabase } from "./support/pg.js";

// The relays' AI requests answered by the API over a real nats-server on a migrated database:
// which channels to analyse (task on, window open, channel recorded), results stored once and
// called back once however often the receiver fails first, and snapshot URLs checked.

const logger = createLogger("api-ai-bus-test", "silent");
const SECRET = Buffer.from("callback-secret");
let testDb: TestDatabase;
let h: Harness;
let nats: PrivateNats;
let nc: Awaited<ReturnType<typeof connectNats>>;
let bus: Bus;
let subscriptions: Array<{ unsubscribe(): void }>;
let callbacks: CallbackDispatcher;
let metrics: Registry;
let receiver: Server;
let receiverUrl: string;
const received: Array<{ body: Record<string, unknown>; signature: string | undefined }> = [];
let failuresLeft = 0;
let recorded: RecordedChannel[] = [];
/** 2026-12-07 02:30 UTC = 10:30 at UTC+8, inside the 10:00–11:00 window. */
let now = new Date(Date.UTC(2026, 11, 7, 2, 30, 0));
/** Filled in once the device is added: its code, its channel's GB code and API id. */
let device = { code: "", channelCode: "34020000001310000001", channelId: "" };

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database);
  nats = await startPrivateNats(logger);
  nc = await connectNats({ url: nats.url, name: "api-ai-bus-test", logger });
  bus = new Bus(nc, logger);
  metrics = new Registry();
  callbacks = new CallbackDispatcher({ secret: SECRET, logger, metrics, firstDelayMs: 50, maxDelayMs: 200, attempts: 5 });
  subscriptions = serveAiBus(bus, {
    db: testDb.database.db,
    recordedChannels: () => Promise.resolve(recorded),
    callbacks,
    snapshotUrls: createSnapshotUrls(TEST_SNAPSHOT_SECRET),
    mediaBase: () => Promise.resolve("http://192.0.2.10:8088"),
    utcOffsetMinutes: 480,
    now: () => now,
  });
  // The recording lifecycle's questions, which also name the expired snapshots.
  subscriptions.push(...serveRecordingBus(bus, { db: testDb.database.db, box: createSecretBox(randomBytes(32)), listDesiredRecordings: () => Promise.resolve([]) }));
  await nc.flush();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (failuresLeft > 0) {
        failuresLeft--;
        res.writeHead(503).end();
        return;
      }
      const text = Buffer.concat(chunks).toString("utf8");
      received.push({ body: JSON.parse(text) as Record<string, unknown>, signature: req.headers[CALLBACK_SIGNATURE_HEADER.toLowerCase()] as string | undefined });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((done) => receiver.listen(0, "127.0.0.1", done));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/ai`;

  const added = (await h.call<{ Id: string; Code: string }>(h.alice, "POST", "/ivc/cms/device/add", { Name: "cam", AccessProtocol: 2, Type: 2, Password: "12345678", OrganizationId: "0", ClusterId: testNode.id })).env.Data;
  await createDeviceEventHandlers(testDb.database.db).catalog({ clusterId: testNode.id, deviceId: added.Code, channels: [{ channelId: device.channelCode, name: "till", online: true }] });
  const channels = (await h.call<Array<{ ChannelId: string }>>(h.alice, "GET", `/ivc/cms/device/channel?DeviceId=${added.Id}`)).env.Data;
  device = { code: added.Code, channelCode: device.channelCode, channelId: channels[0]!.ChannelId };
});
afterAll(async () => {
  callbacks?.close();
  subscriptions?.forEach((s) => s.unsubscribe());
  receiver?.close();
  await nc?.drain();
  await nats?.stop();
  await h?.app.close();
  await testDb?.drop();
});

const window = { Start: "10:00:00", End: "11:00:00" };
let taskId: string;

describe("AI bus (API side)", () => {
  it("names a recorded channel of a task that is on, only inside its windows", async () => {
    const created = await h.call<{ TaskId: string }>(h.alice, "POST", "/ivc/ai/task", {
      Name: "till",
      ChannelList: [device.channelId],
      CallbackUrl: receiverUrl,
      IsStartTheTask: true,
      Templates: [{ Tag: "AI", AIConfig: { DetectType: "Body", TimeInterval: 10, OperTimeslot: [window] } }],
    });
    taskId = created.env.Data.TaskId;
    const stream = `${device.code}_${device.channelCode}`;
    // Not recorded: nothing to analyse (no stream of its own is ever opened for AI).
    expect((await bus.request(aiDesired, { clusterId: testNode.id }, {})).analyses).toEqual([]);
    recorded = [{ deviceCode: device.code, channelCode: device.channelCode, streamId: stream, transitionDays: 1, expirationDays: 2 }];
    expect((await bus.request(aiDesired, { clusterId: testNode.id }, {})).analyses).toEqual([
      { taskId, deviceId: device.code, channelId: device.channelCode, streamId: stream, keepDays: 3, templates: [{ tag: "AI", detectType: "Body", intervalSeconds: 10 }] },
    ]);
    now = new Date(Date.UTC(2026, 11, 7, 3, 0, 0)); // 11:00 site time: the window has closed
    expect((await bus.request(aiDesired, { clusterId: testNode.id }, {})).analyses).toEqual([]);
    now = new Date(Date.UTC(2026, 11, 7, 2, 30, 0));
    await h.call(h.alice, "PUT", `/ivc/ai/task/status?TaskId=${taskId}&Status=off`);
    expect((await bus.request(aiDesired, { clusterId: testNode.id }, {})).analyses).toEqual([]);
    await h.call(h.alice, "PUT", `/ivc/ai/task/status?TaskId=${taskId}&Status=on`);
    expect((await bus.request(aiDesired, { clusterId: testNode.id }, {})).analyses).toHaveLength(1);
  });

  it("stores a result once and a receiver that fails twice gets it once, signed", async () => {
    failuresLeft = 2;
    const takenAtMs = Date.UTC(2026, 11, 7, 2, 30, 5);
    const report = { taskId, deviceId: device.code, channelId: device.channelCode, tag: "AI" as const, detectType: "Body" as const, takenAtMs, snapshotKey: "ai/d/c/20261207/1.jpg", detections: [{ name: "person", score: 87, x: 10, y: 20, width: 30, height: 40 }], keepDays: 3 };
    expect(await bus.request(aiResultReported, { clusterId: testNode.id }, report)).toEqual({ stored: true });
    // The relay's retry of the same report: stored once, called back once.
    expect(await bus.request(aiResultReported, { clusterId: testNode.id }, report)).toEqual({ stored: true });
    await callbacks.drained();
    expect(failuresLeft).toBe(0);
    expect(received).toHaveLength(1);
    const { body, signature } = received[0]!;
    const [stamp] = /t=(\d+)/.exec(signature ?? "")!.slice(1);
    expect(signature).toBe(signCallback(SECRET, JSON.stringify(body), Number(stamp)));
    expect(body).toMatchObject({
      Tag: "AI",
      AIConfig: { DetectType: "Body", TimeInterval: 10, OperTimeslot: [window] },
      TaskId: taskId,
      ChannelId: device.channelId,
      CaptureTime: "2026-12-07 10:30:05",
      CaptureTimestamp: Math.floor(takenAtMs / 1000),
    });
    const item = (body["AIJobDetail"] as Record<string, Array<Record<string, unknown>>>)["BodyRecognition"]![0]!;
    expect(item["BodyInfo"]).toEqual([{ Name: "person", Score: 87, Location: { X: 10, Y: 20, Height: 40, Width: 30 } }]);
    const metricsText = await metrics.metrics();
    expect(metricsText).toMatch(/ivc_ai_callbacks_total\{outcome="retried"\} 2/);
    expect(metricsText).toMatch(/ivc_ai_callbacks_total\{outcome="delivered"\} 1/);
    const results = await h.call<{ AIResultCount: number }>(h.alice, "GET", `/ivc/ai/task/result?TaskId=${taskId}&ChannelId=${device.channelId}&BeginTime=${Math.floor(takenAtMs / 1000) - 5}&EndTime=${Math.floor(takenAtMs / 1000) + 5}`);
    expect(results.env.Data.AIResultCount).toBe(1);
  });

  it("calls back nothing for a snapshot with no detection and refuses a report for a channel not in the task", async () => {
    const empty = { taskId, deviceId: device.code, channelId: device.channelCode, tag: "AI" as const, detectType: "Body" as const, takenAtMs: Date.UTC(2026, 11, 7, 2, 30, 15), snapshotKey: "ai/d/c/20261207/2.jpg", detections: [], keepDays: 3 };
    expect(await bus.request(aiResultReported, { clusterId: testNode.id }, empty)).toEqual({ stored: true });
    expect(await bus.request(aiResultReported, { clusterId: testNode.id }, { ...empty, channelId: "34020000001310009999" })).toEqual({ stored: false });
    await callbacks.drained();
    expect(received).toHaveLength(1);
  });

  it("names snapshots past their channel's Transition + Expiration days to the lifecycle pass of their cluster, and forgets their results once deleted", async () => {
    const first = Date.UTC(2026, 11, 7, 2, 30, 5);
    const due = async (at: number, clusterId = testNode.id) => (await bus.request(recordingLifecycleDue, { clusterId }, { now: at, limit: 100 })).snapshotsToDelete.map((s) => s.objectKey);
    const DAY = 86_400_000;
    expect(await due(first + 3 * DAY - 1)).toEqual([]);
    // 1.jpg (taken at `first`) is due; 2.jpg, taken 10 s later, is not yet.
    expect(await due(first + 3 * DAY + 5000)).toEqual(["ai/d/c/20261207/1.jpg"]);
    expect(await due(first + 3 * DAY + 5000, "other-cluster")).toEqual([]);
    expect(await bus.request(recordingLifecycleDone, { clusterId: "other-cluster" }, { objectKey: "ai/d/c/20261207/1.jpg", action: "snapshot-deleted" })).toEqual({ updated: false });
    expect(await bus.request(recordingLifecycleDone, { clusterId: testNode.id }, { objectKey: "ai/d/c/20261207/1.jpg", action: "snapshot-deleted" })).toEqual({ updated: true });
    expect(await due(first + 4 * DAY)).toEqual(["ai/d/c/20261207/2.jpg"]);
    // Its URL stops working with it.
    const url = new URL(createSnapshotUrls(TEST_SNAPSHOT_SECRET).url("http://x", "ai/d/c/20261207/1.jpg", Math.floor(now.getTime() / 1000)));
    expect((await bus.request(aiSnapshotAuthorize, { clusterId: testNode.id }, { key: "ai/d/c/20261207/1.jpg", expires: Number(url.searchParams.get("Expires")), signature: url.searchParams.get("Signature")! })).allowed).toBe(false);
    const keys = await testDb.database.withRawSession((s) => s.rows("SELECT snapshot_key FROM ai_results WHERE task_id = $1 ORDER BY taken_at", [taskId]));
    expect(keys.map((r) => r.snapshot_key)).toEqual(["ai/d/c/20261207/2.jpg"]);
  });

  it("authorises a snapshot URL only with its signature, before it expires, while a result names it", async () => {
    const urls = createSnapshotUrls(TEST_SNAPSHOT_SECRET);
    const url = new URL(urls.url("http://x", "ai/d/c/20261207/2.jpg", Math.floor(now.getTime() / 1000)));
    const expires = Number(url.searchParams.get("Expires"));
    const signature = url.searchParams.get("Signature")!;
    const ask = (key: string, e = expires, s = signature) => bus.request(aiSnapshotAuthorize, { clusterId: testNode.id }, { key, expires: e, signature: s });
    expect(await ask("ai/d/c/20261207/2.jpg")).toEqual({ allowed: true });
    expect((await ask("ai/d/c/20261207/2.jpg", expires + 1)).allowed).toBe(false);
    expect((await ask("ai/d/c/20261207/3.jpg")).allowed).toBe(false);
    const old = new URL(urls.url("http://x", "ai/d/c/20261207/2.jpg", Math.floor(now.getTime() / 1000) - 7200));
    expect(await ask("ai/d/c/20261207/2.jpg", Number(old.searchParams.get("Expires")), old.searchParams.get("Signature")!)).toEqual({ allowed: false, reason: "expired" });
    // Deleting the task voids its URLs at once.
    await h.call(h.alice, "DELETE", `/ivc/ai/task?TaskId=${taskId}`);
    expect((await ask("ai/d/c/20261207/2.jpg")).allowed).toBe(false);
    expect((await bus.request(aiDesired, { clusterId: testNode.id }, {})).analyses).toEqual([]);
  });

  it("ends the analysis of a channel whose device is deleted or that leaves its recording plan", async () => {
    const added = (await h.call<{ Id: string; Code: string }>(h.alice, "POST", "/ivc/cms/device/add", { Name: "cam2", AccessProtocol: 2, Type: 2, Password: "12345678", OrganizationId: "0", ClusterId: testNode.id })).env.Data;
    const channelCode = "34020000001310000002";
    await createDeviceEventHandlers(testDb.database.db).catalog({ clusterId: testNode.id, deviceId: added.Code, channels: [{ channelId: channelCode, name: "bay", online: true }] });
    const [channel] = (await h.call<Array<{ ChannelId: string }>>(h.alice, "GET", `/ivc/cms/device/channel?DeviceId=${added.Id}`)).env.Data;
    const created = await h.call<{ TaskId: string }>(h.alice, "POST", "/ivc/ai/task", { Name: "bay", ChannelList: [channel!.ChannelId], IsStartTheTask: true, Templates: [{ Tag: "Snapshot", SnapshotConfig: { TimeInterval: 5 } }] });
    recorded = [{ deviceCode: added.Code, channelCode, streamId: `${added.Code}_${channelCode}`, transitionDays: 1, expirationDays: 2 }];
    expect((await bus.request(aiDesired, { clusterId: testNode.id }, {})).analyses.map((a) => a.taskId)).toEqual([created.env.Data.TaskId]);
    recorded = [];
    expect((await bus.request(aiDesired, { clusterId: testNode.id }, {})).analyses).toEqual([]);
    recorded = [{ deviceCode: added.Code, channelCode, streamId: `${added.Code}_${channelCode}`, transitionDays: 1, expirationDays: 2 }];
    expect(await h.call(h.alice, "DELETE", `/ivc/cms/device/delete?Id=${added.Id}`)).toMatchObject({ env: { StatusCode: 200 } });
    expect((await bus.request(aiDesired, { clusterId: testNode.id }, {})).analyses).toEqual([]);
    const detail = await h.call<{ ChannelList: string[] }>(h.alice, "GET", `/ivc/ai/task/detail?TaskId=${created.env.Data.TaskId}`);
    expect(detail.env.Data.ChannelList).toEqual([]);
  });
});
