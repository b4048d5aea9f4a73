import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import { Bus, connectNats, recordingSegmentStored, type StoredSegment } from "@ivc/bus";
import { createLogger, Registry } from "@ivc/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSecretBox } from "../services/api/src/accounts/secret-box.js";
import { serveRecordingBus } from "../services/api/src/recordings/recording-bus.js";
import { createTestDatabase, type TestDatabase } from "../services/api/test/support/pg.js";
import { RecordingLifecycle } from "../services/media-relay/src/recording/lifecycle.js";
import { createRecordingMetrics } from "../services/media-relay/src/recording/recording-metrics.js";
import { DiskSegmentStorage } from "../services/media-relay/src/recording/storage/disk-storage.js";
import { segmentKey, StorageMissingError } from "../services/media-relay/src/recording/storage/segment-storage.js";
import { startPrivateNats, type PrivateNats } from "./support/private-nats.js";

// Lifecycle across both sides: the API's index (real PostgreSQL, migration 0007) names what is due
// by the relay's injected clock; the relay's pass moves bytes on disk to cold, then deletes them,
// and the rows follow; AI snapshots past the same days are deleted with their results. Another
// cluster's segments and snapshots are not touched.

const DAY = 86_400_000;
let testDb: TestDatabase;
let nats: PrivateNats;
let nc: Awaited<ReturnType<typeof connectNats>>;
let bus: Bus;
let subs: Array<{ unsubscribe(): void }>;
let root: string;
const cluster = randomUUID();
const otherCluster = randomUUID();

beforeAll(async () => {
  testDb = await createTestDatabase();
  const logger = createLogger("lifecycle-test", "silent");
  nats = await startPrivateNats(logger);
  nc = await connectNats({ url: nats.url, name: "lifecycle-test", logger });
  bus = new Bus(nc, logger);
  subs = serveRecordingBus(bus, { db: testDb.database.db, box: createSecretBox(randomBytes(32)), listDesiredRecordings: () => Promise.resolve([]) });
  root = mkdtempSync(join(tmpdir(), "ivc-lifecycle-"));
});
afterAll(async () => {
  subs?.forEach((s) => s.unsubscribe());
  await nc?.drain();
  await nats?.stop();
  await testDb?.drop();
  rmSync(root, { recursive: true, force: true });
});

const rows = () => testDb.database.withRawSession((s) => s.rows("SELECT object_key, storage_class, cluster_id FROM recording_segments ORDER BY object_key", []));

describe("recording lifecycle", () => {
  it("moves segments to cold after Transition days and deletes them after Transition + Expiration, by the injected clock", async () => {
    const storage = new DiskSegmentStorage({ root });
    const t0 = Date.UTC(2026, 0, 1);
    const stored: StoredSegment[] = [];
    for (const [i, clusterId] of [cluster, cluster, otherCluster].entries()) {
      const startMs = t0 + i * 4000;
      const objectKey = segmentKey("34020000001320000001", "34020000001310000001", startMs, startMs + 4000);
      const segment: StoredSegment = { deviceId: "34020000001320000001", channelId: "34020000001310000001", planId: "p", startMs, endMs: startMs + 4000, bytes: 3, storage: "disk", objectKey, transitionDays: 2, expirationDays: 3 };
      await storage.put(objectKey, Buffer.from([i, i, i]));
      await bus.request(recordingSegmentStored, { clusterId }, segment);
      stored.push(segment);
    }
    let now = t0 + DAY;
    const lifecycle = new RecordingLifecycle({ bus, clusterId: cluster, storage, logger: createLogger("lifecycle-test", "silent"), metrics: createRecordingMetrics(new Registry()), now: () => now, batch: 100, restoreCheckMs: 60_000 });
    expect(await lifecycle.runOnce()).toEqual({ restored: 0, removed: 0, restoring: 0, cold: 0, deleted: 0, snapshots: 0 });

    now = t0 + 2 * DAY + 10_000;
    expect(await lifecycle.runOnce()).toEqual({ restored: 0, removed: 0, restoring: 0, cold: 2, deleted: 0, snapshots: 0 });
    expect((await rows()).map((r) => r.storage_class)).toEqual(["cold", "cold", "standard"]);
    await expect(storage.read(stored[0]!.objectKey, "standard")).rejects.toBeInstanceOf(StorageMissingError);
    expect([...(await storage.read(stored[1]!.objectKey, "cold"))]).toEqual([1, 1, 1]);
    // The other cluster's segment is its own relay's to move.
    expect([...(await storage.read(stored[2]!.objectKey, "standard"))]).toEqual([2, 2, 2]);
    expect(await lifecycle.runOnce()).toEqual({ restored: 0, removed: 0, restoring: 0, cold: 0, deleted: 0, snapshots: 0 });

    now = t0 + 5 * DAY + 10_000;
    expect(await lifecycle.runOnce()).toEqual({ restored: 0, removed: 0, restoring: 0, cold: 0, deleted: 2, snapshots: 0 });
    expect((await rows()).map((r) => r.cluster_id)).toEqual([otherCluster]);
    await expect(storage.read(stored[1]!.objectKey, "cold")).rejects.toBeInstanceOf(StorageMissingError);
  });

  it("deletes AI snapshots, and the results naming them, after their channel's Transition + Expiration days", async () => {
    const storage = new DiskSegmentStorage({ root });
    const t0 = Date.UTC(2026, 1, 1);
    const task = `at${"b".repeat(32)}`;
    const snapshot = (i: number) => `ai/34020000001320000001/34020000001310000001/20260201/${t0 + i * 1000}.jpg`;
    await testDb.database.withRawSession(async (s) => {
      await s.rows("INSERT INTO accounts (app_id) VALUES ('1250000001')", []);
      await s.rows("INSERT INTO ai_tasks (id, app_id, name, status, templates) VALUES ($1, '1250000001', 't', 'on', '[]')", [task]);
      // Kept 2 + 3 days (the analysis's keepDays 5); the other cluster's snapshot is its own relay's to delete.
      for (const [i, clusterId, detectType] of [[0, cluster, "Body"], [0, cluster, "Car"], [1, cluster, "Body"], [2, otherCluster, "Body"]] as const) {
        const taken = new Date(t0 + i * 1000);
        await s.rows(
          "INSERT INTO ai_results (task_id, app_id, channel_id, tag, detect_type, taken_at, cluster_id, snapshot_key, objects, expire_at) VALUES ($1, '1250000001', $2, 'AI', $3, $4, $5, $6, '[]', $7)",
          [task, randomUUID(), detectType, taken.toISOString(), clusterId, snapshot(i), new Date(taken.getTime() + 5 * DAY).toISOString()],
        );
      }
    });
    for (const i of [0, 1, 2]) await storage.put(snapshot(i), Buffer.from([0xff, 0xd8, i]));
    let now = t0 + 5 * DAY - 1;
    const lifecycle = new RecordingLifecycle({ bus, clusterId: cluster, storage, logger: createLogger("lifecycle-test", "silent"), metrics: createRecordingMetrics(new Registry()), now: () => now, batch: 100, restoreCheckMs: 60_000 });
    expect(await lifecycle.runOnce()).toEqual({ restored: 0, removed: 0, restoring: 0, cold: 0, deleted: 0, snapshots: 0 });

    now = t0 + 5 * DAY + 500;
    // One snapshot, whichever templates' results name it.
    expect(await lifecycle.runOnce()).toEqual({ restored: 0, removed: 0, restoring: 0, cold: 0, deleted: 0, snapshots: 1 });
    await expect(storage.read(snapshot(0), "standard")).rejects.toBeInstanceOf(StorageMissingError);
    expect([...(await storage.read(snapshot(1), "standard"))]).toEqual([0xff, 0xd8, 1]);
    const results = () => testDb.database.withRawSession((s) => s.rows("SELECT snapshot_key FROM ai_results ORDER BY snapshot_key", []));
    expect((await results()).map((r) => r.snapshot_key)).toEqual([snapshot(1), snapshot(2)]);

    now = t0 + 6 * DAY;
    expect(await lifecycle.runOnce()).toEqual({ restored: 0, removed: 0, restoring: 0, cold: 0, deleted: 0, snapshots: 1 });
    expect((await results()).map((r) => r.snapshot_key)).toEqual([snapshot(2)]);
    expect([...(await storage.read(snapshot(2), "standard"))]).toEqual([0xff, 0xd8, 2]);
  });
});
