import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bus, connectNats, recordingRestoreDue, recordingSegmentsQuery, recordingSegmentStored, type StoredSegment } from "@ivc/bus";
import { createLogger, Registry } from "@ivc/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSecretBox } from "../services/api/src/accounts/secret-box.js";
import { createDeviceEventHandlers } from "../services/api/src/bus/device-events.js";
import { createNatsRetrievalChanges } from "../services/api/src/bus/retrieval-changes.js";
import { serveRecordingBus } from "../services/api/src/recordings/recording-bus.js";
import { createHarness, testNode, type Harness } from "../services/api/test/support/harness.js";
import { createTestDatabase, type TestDatabase } from "../services/api/test/support/pg.js";
import { RecordingLifecycle } from "../services/media-relay/src/recording/lifecycle.js";
import { createRecordingMetrics } from "../services/media-relay/src/recording/recording-metrics.js";
import { DiskSegmentStorage } from "../services/media-relay/src/recording/storage/disk-storage.js";
import { S3SegmentStorage } from "../services/media-relay/src/recording/storage/s3-storage.js";
import { segmentKey, StorageMissingError } from "../services/media-relay/src/recording/storage/segment-storage.js";
import { FakeArchiveStore } from "../services/media-relay/test/support/fake-archive-s3.js";
import { startPrivateNats, type PrivateNats } from "./support/private-nats.js";

// Retrieval tasks across both sides: tasks through the signed HTTP API (real PostgreSQL), the
// relay's lifecycle pass over a real nats-server copying cold segments on disk to standard storage
// and removing the copies after Expiration days by its injected clock. Status moves 2 → 1 → 0 as
// the relay really gets and finishes the work; a channel with nothing archived is 3. On an S3
// archive class (a fake store: s3rver has none) the relay's RestoreObject keeps Status 1 until the
// store says the restore finished.

const DAY = 86_400_000;
let testDb: TestDatabase;
let h: Harness;
let nats: PrivateNats;
let nc: Awaited<ReturnType<typeof connectNats>>;
let bus: Bus;
let subs: Array<{ unsubscribe(): void }>;
let root: string;
let storage: DiskSegmentStorage;
let lifecycle: RecordingLifecycle;
let logger: ReturnType<typeof createLogger>;
let relayNow = 0;
const t0 = Math.floor((Date.now() - 10 * DAY) / 1000) * 1000;
let device: { id: string; code: string; channels: Array<{ id: string; code: string }> };
const cold: StoredSegment[] = [];

interface Task {
  TaskId: string;
  Status: number;
  Capacity: number;
  Channels: Array<{ ChannelId: string; Status: number; DeviceName: string; ChannelName: string }>;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  logger = createLogger("retrieval-test", "silent");
  nats = await startPrivateNats(logger);
  nc = await connectNats({ url: nats.url, name: "retrieval-test", logger });
  bus = new Bus(nc, logger);
  // Tasks announce themselves; only the lifecycle of the archive test listens.
  h = await createHarness(testDb.database, { retrievalChanges: createNatsRetrievalChanges(bus, logger) });
  subs = serveRecordingBus(bus, { db: testDb.database.db, box: createSecretBox(randomBytes(32)), listDesiredRecordings: () => Promise.resolve([]) });
  root = mkdtempSync(join(tmpdir(), "ivc-retrieval-"));
  storage = new DiskSegmentStorage({ root });
  lifecycle = new RecordingLifecycle({ bus, clusterId: testNode.id, storage, logger, metrics: createRecordingMetrics(new Registry()), now: () => relayNow, batch: 100, restoreCheckMs: 60_000 });

  const added = (await h.call<{ Id: string; Code: string }>(h.alice, "POST", "/ivc/cms/device/add", { Name: "nvr", AccessProtocol: 2, Type: 2, Password: "12345678", OrganizationId: "0", ClusterId: testNode.id })).env.Data;
  await createDeviceEventHandlers(testDb.database.db).catalog({
    clusterId: testNode.id,
    deviceId: added.Code,
    channels: [0, 1].map((i) => ({ channelId: `3402000000131000000${i}`, name: `ch${i}`, online: true })),
  });
  const listed = (await h.call<Array<{ ChannelId: string; ChannelCode: string }>>(h.alice, "GET", `/ivc/cms/device/channel?DeviceId=${added.Id}`)).env.Data;
  device = { id: added.Id, code: added.Code, channels: listed.map((c) => ({ id: c.ChannelId, code: c.ChannelCode })).sort((a, b) => a.code.localeCompare(b.code)) };
  // Channel 0: three 4 s segments, moved cold by the lifecycle after their 1 day; channel 1: one segment still standard.
  const [ch0, ch1] = device.channels;
  const store = async (channelCode: string, startMs: number, transitionDays: number) => {
    const objectKey = segmentKey(device.code, channelCode, startMs, startMs + 4000);
    const segment: StoredSegment = { deviceId: device.code, channelId: channelCode, planId: "p", startMs, endMs: startMs + 4000, bytes: 1_048_576, storage: "disk", objectKey, transitionDays, expirationDays: 60 };
    await storage.put(objectKey, Buffer.alloc(16, startMs % 251));
    await bus.request(recordingSegmentStored, { clusterId: testNode.id }, segment);
    return segment;
  };
  for (let i = 0; i < 3; i++) cold.push(await store(ch0?.code ?? "", t0 + i * 4000, 1));
  await store(ch1?.code ?? "", t0, 3650);
  relayNow = t0 + 2 * DAY;
  expect(await lifecycle.runOnce()).toEqual({ restored: 0, removed: 0, restoring: 0, cold: 3, deleted: 0, snapshots: 0 });
});
afterAll(async () => {
  subs?.forEach((s) => s.unsubscribe());
  await nc?.drain();
  await nats?.stop();
  await h?.app.close();
  await testDb?.drop();
  rmSync(root, { recursive: true, force: true });
});

async function call<T = unknown>(method: string, path: string, body?: unknown, key = h.alice) {
  const { env } = await h.call<T>(key, method, path, body);
  return { code: env.StatusCode, data: env.Data };
}
const details = async (taskId: string) => (await call<Task>("GET", `/ivc/record/retrievetaskdetails/query?TaskId=${taskId}`)).data;
const startS = () => t0 / 1000 - 60;
const refs = () => device.channels.map((c) => ({ DeviceId: device.id, ChannelId: c.id }));
const segmentsOf = async (channelCode: string) => (await bus.request(recordingSegmentsQuery, { clusterId: testNode.id }, { deviceId: device.code, channelId: channelCode, startMs: t0 - DAY, endMs: t0 + DAY })).segments;
const playbackCode = async (channelId: string) =>
  (await call("GET", `/ivc/record/playback/url?ChannelId=${channelId}&StartTime=${startS()}&EndTime=${startS() + 3600}`)).code;
const timeline = async (channelId: string) =>
  (await call<{ Tips: number; List: unknown[] }>("GET", `/ivc/record/filelist/query?DeviceId=${device.id}&ChannelId=${channelId}&StartTime=${startS()}&EndTime=${startS() + 3600}`)).data;

describe("retrieval tasks", () => {
  it("refuses each invalid field with its code (spec 04 R1)", async () => {
    const base = { TaskName: "bad", StartTime: startS(), EndTime: startS() + 3600, Mode: 1, Expiration: 10, Channels: refs() };
    const many = Array.from({ length: 33 }, () => refs()[0]);
    const future = Math.floor(Date.now() / 1000) + 3600;
    const cases: Array<[Record<string, unknown>, number]> = [
      [{ Mode: 2 }, 40005],
      [{ Expiration: 0 }, 40005],
      [{ Expiration: 366 }, 40005],
      [{ Channels: many }, 40005],
      [{ Channels: [] }, 40005],
      [{ Channels: undefined }, 40001],
      [{ EndTime: startS() + 86_401 }, 40005],
      [{ EndTime: startS() - 1 }, 41611],
      [{ StartTime: future, EndTime: future + 10 }, 41612],
      [{ TaskName: "a b" }, 41624],
      [{ Channels: [{ DeviceId: "7f7a3f2b-f150-45ae-821e-9b8906e7d8a9", ChannelId: device.channels[0]?.id }] }, 42206],
      [{ Channels: [{ DeviceId: device.id, ChannelId: "1c43487d-cd8d-4892-989a-2f31f88d6bcd" }] }, 42207],
    ];
    for (const [fields, code] of cases) {
      const answer = await call("POST", "/ivc/record/retrievetask/add", { ...base, ...fields });
      expect({ fields: Object.keys(fields), code: answer.code }).toEqual({ fields: Object.keys(fields), code });
    }
    expect((await call<unknown[]>("GET", "/ivc/record/retrievetasklist/query")).data).toEqual([]);
  });

  it("moves 2 → 1 → 0 as the relay copies cold segments; 3 for a channel with nothing archived; the copies play, then expire", async () => {
    const [ch0, ch1] = device.channels;
    expect((await segmentsOf(ch0?.code ?? "")).map((s) => s.storageClass)).toEqual(["cold", "cold", "cold"]);
    expect(await timeline(ch0?.id ?? "")).toEqual({ Tips: 1, List: [] });
    expect(await playbackCode(ch0?.id ?? "")).toBe(42506);

    const added = await call<Task>("POST", "/ivc/record/retrievetask/add", { TaskName: "取回1", StartTime: startS(), EndTime: startS() + 3600, Mode: 1, Expiration: 7, Channels: refs() });
    expect(added).toEqual({ code: 200, data: { TaskId: expect.stringMatching(/^[0-9a-f]{32}$/), TaskName: "取回1", StartTime: startS(), EndTime: startS() + 3600, Mode: 1, Expiration: 7, Status: 2, Capacity: 0 } });
    const taskId = added.data.TaskId;
    expect(await details(taskId)).toMatchObject({ Status: 2, Channels: [{ ChannelId: ch0?.id, ChannelName: "ch0", DeviceName: "nvr", Status: 2 }, { ChannelId: ch1?.id, Status: 3 }] });
    expect((await call("POST", "/ivc/record/retrievetask/add", { TaskName: "取回1", StartTime: startS(), EndTime: startS() + 60, Mode: 1, Expiration: 1, Channels: refs() })).code).toBe(43410);

    // A relay that has taken the work but not finished it: retrieving. (Its clock is the real one
    // here: the API reads restored_until by its own clock for playback.)
    relayNow = Date.now();
    const restoredAt = relayNow;
    const due = await bus.request(recordingRestoreDue, { clusterId: testNode.id }, { now: relayNow, limit: 2 });
    expect(due.toRestore).toHaveLength(2);
    expect(await details(taskId)).toMatchObject({ Status: 1, Channels: [{ Status: 1 }, { Status: 3 }] });

    // The pass restores all three (the two handed out again, idempotent), and the task is done.
    expect(await lifecycle.runOnce()).toEqual({ restored: 3, removed: 0, restoring: 0, cold: 0, deleted: 0, snapshots: 0 });
    expect(await details(taskId)).toMatchObject({ Status: 0, Capacity: 3, Channels: [{ Status: 0 }, { Status: 3 }] });
    expect((await call<Task[]>("GET", "/ivc/record/retrievetasklist/query")).data).toEqual([expect.objectContaining({ TaskId: taskId, Status: 0, Capacity: 3 })]);
    for (const segment of cold) expect([...(await storage.read(segment.objectKey, "standard"))]).toEqual([...(await storage.read(segment.objectKey, "cold"))]);
    // Restored ranges play: standard for playback, on the timeline, no archived Tips.
    expect((await segmentsOf(ch0?.code ?? "")).map((s) => s.storageClass)).toEqual(["standard", "standard", "standard"]);
    const restoredTimeline = await timeline(ch0?.id ?? "");
    expect(restoredTimeline.Tips).toBe(0);
    expect(restoredTimeline.List).toHaveLength(1);
    expect(await playbackCode(ch0?.id ?? "")).toBe(200);
    expect(await lifecycle.runOnce()).toEqual({ restored: 0, removed: 0, restoring: 0, cold: 0, deleted: 0, snapshots: 0 });

    // Deleting the task keeps the copies until they expire.
    expect((await call("POST", "/ivc/record/retrievetask/delete", { TaskId: taskId })).code).toBe(200);
    expect((await call("GET", `/ivc/record/retrievetaskdetails/query?TaskId=${taskId}`)).code).toBe(40006);
    relayNow = restoredAt + 7 * DAY - 60_000;
    expect(await lifecycle.runOnce()).toEqual({ restored: 0, removed: 0, restoring: 0, cold: 0, deleted: 0, snapshots: 0 });
    relayNow = restoredAt + 7 * DAY + 60_000;
    expect(await lifecycle.runOnce()).toEqual({ restored: 0, removed: 3, restoring: 0, cold: 0, deleted: 0, snapshots: 0 });
    for (const segment of cold) {
      await expect(storage.read(segment.objectKey, "standard")).rejects.toBeInstanceOf(StorageMissingError);
      expect((await storage.read(segment.objectKey, "cold")).length).toBe(16);
    }
    expect((await segmentsOf(ch0?.code ?? "")).map((s) => s.storageClass)).toEqual(["cold", "cold", "cold"]);
    expect(await timeline(ch0?.id ?? "")).toEqual({ Tips: 1, List: [] });
    expect(await playbackCode(ch0?.id ?? "")).toBe(42506);
  });

  it("on an S3 archive class: RestoreObject for Expiration days, Status 1 until the store restored, then 0 and playable; a task deleted mid-restore is looked at no more", async () => {
    const [ch0] = device.channels;
    const coldKeys = cold.map((s) => `cold/${s.objectKey}`);
    const archiveLifecycle = (store: FakeArchiveStore, restoreCheckMs = 60_000) =>
      new RecordingLifecycle({
        bus,
        clusterId: testNode.id,
        storage: new S3SegmentStorage({ region: "us-east-1", bucket: "b", accessKeyId: "k", secretAccessKey: "s" }, store),
        logger,
        metrics: createRecordingMetrics(new Registry()),
        now: () => relayNow,
        batch: 100,
        restoreCheckMs,
      });
    const task = { StartTime: startS(), EndTime: startS() + 3600, Mode: 1, Expiration: 5, Channels: [{ DeviceId: device.id, ChannelId: ch0?.id }] };
    relayNow = Date.now();
    const restoredAt = relayNow;
    const store = new FakeArchiveStore(coldKeys, "GLACIER", Buffer.alloc(16, 1));
    const archive = archiveLifecycle(store);
    const { TaskId } = (await call<Task>("POST", "/ivc/record/retrievetask/add", { TaskName: "glacier", ...task })).data;
    expect(await details(TaskId)).toMatchObject({ Status: 2, Channels: [{ Status: 2 }] });

    expect(await archive.runRestores()).toEqual({ restored: 0, removed: 0, restoring: 3 });
    expect(store.restores).toEqual(coldKeys.map((Key) => ({ Key, Days: 5, Tier: "Expedited" })));
    expect(await details(TaskId)).toMatchObject({ Status: 1, Channels: [{ Status: 1 }] });
    expect(await playbackCode(ch0?.id ?? "")).toBe(42506);
    // The store is still at work: the next pass looks again, asks no second restore.
    expect(await archive.runRestores()).toEqual({ restored: 0, removed: 0, restoring: 3 });
    expect(store.restores).toHaveLength(3);
    expect(await details(TaskId)).toMatchObject({ Status: 1, Channels: [{ Status: 1 }] });

    store.finish();
    expect(await archive.runRestores()).toEqual({ restored: 3, removed: 0, restoring: 0 });
    expect(await details(TaskId)).toMatchObject({ Status: 0, Channels: [{ Status: 0 }] });
    expect(await playbackCode(ch0?.id ?? "")).toBe(200);
    // Restored in place: the copy is read from the archived object.
    const storage = new S3SegmentStorage({ region: "us-east-1", bucket: "b", accessKeyId: "k", secretAccessKey: "s" }, store);
    expect([...(await storage.read(cold[0]?.objectKey ?? "", "standard"))]).toEqual([...Buffer.alloc(16, 1)]);
    // Expiration days later the copy is over (the store drops it itself; nothing to delete here).
    relayNow = restoredAt + 5 * DAY + 60_000;
    expect(await archive.runRestores()).toEqual({ restored: 0, removed: 3, restoring: 0 });
    expect(await playbackCode(ch0?.id ?? "")).toBe(42506);
    expect((await call("POST", "/ivc/record/retrievetask/delete", { TaskId })).code).toBe(200);

    // A task deleted while its restores are under way: no segment is handed out any more.
    relayNow = Date.now();
    const again = archiveLifecycle(new FakeArchiveStore(coldKeys, "GLACIER", Buffer.alloc(16, 1)));
    const second = (await call<Task>("POST", "/ivc/record/retrievetask/add", { TaskName: "glacier2", ...task })).data;
    expect(await again.runRestores()).toEqual({ restored: 0, removed: 0, restoring: 3 });
    expect((await call("POST", "/ivc/record/retrievetask/delete", { TaskId: second.TaskId })).code).toBe(200);
    expect(await again.runRestores()).toEqual({ restored: 0, removed: 0, restoring: 0 });

    // As in a running relay: the task's announcement starts the restores, and the relay looks again
    // every restoreCheckMs until the store is done, with no lifecycle pass and no call by hand.
    const running = new FakeArchiveStore(coldKeys, "GLACIER", Buffer.alloc(16, 1));
    const listening = archiveLifecycle(running, 200);
    listening.listen();
    try {
      await nc.flush();
      const third = (await call<Task>("POST", "/ivc/record/retrievetask/add", { TaskName: "glacier3", ...task })).data;
      await expect.poll(() => running.restores.length, { timeout: 5000, interval: 50 }).toBe(3);
      expect(await details(third.TaskId)).toMatchObject({ Status: 1, Channels: [{ Status: 1 }] });
      running.finish();
      await expect.poll(async () => (await details(third.TaskId)).Status, { timeout: 5000, interval: 50 }).toBe(0);
      expect(running.restores).toHaveLength(3);
      expect(await playbackCode(ch0?.id ?? "")).toBe(200);
    } finally {
      listening.stop();
    }
  });

  it("keeps accounts apart", async () => {
    const mine = await call<Task>("POST", "/ivc/record/retrievetask/add", { TaskName: "alice", StartTime: startS(), EndTime: startS() + 60, Mode: 1, Expiration: 1, Channels: refs() });
    expect(mine.code).toBe(200);
    expect((await call<unknown[]>("GET", "/ivc/record/retrievetasklist/query", undefined, h.bob)).data).toEqual([]);
    expect((await call("GET", `/ivc/record/retrievetaskdetails/query?TaskId=${mine.data.TaskId}`, undefined, h.bob)).code).toBe(40006);
    expect((await call("POST", "/ivc/record/retrievetask/delete", { TaskId: mine.data.TaskId }, h.bob)).code).toBe(40006);
    expect((await call("POST", "/ivc/record/retrievetask/add", { TaskName: "bob", StartTime: startS(), EndTime: startS() + 60, Mode: 1, Expiration: 1, Channels: refs() }, h.bob)).code).toBe(42206);
    // The same name is free in another account.
    expect((await call("POST", "/ivc/record/retrievetask/add", { TaskName: "alice", StartTime: startS(), EndTime: startS() + 60, Mode: 1, Expiration: 1, Channels: [] }, h.bob)).code).toBe(40005);
  });
});
