import { randomBytes, randomUUID } from "node:crypto";
import { Bus, connectNats, recordingDesired, recordingSegmentsQuery, recordingSegmentStored, type DesiredRecording, type StoredSegment } from "@ivc/bus";
import { createLogger } from "@ivc/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSecretBox } from "../src/accounts/secret-box.js";
import { serveRecordingBus } from "../src/recordings/recording-bus.js";
import { startPrivateNats, type PrivateNats } from "../../../test/support/private-nats.js";
import { createTestDatabase, type TestDatabase } from "./support/pg.js";

// The relays' recording requests answered by the API on a migrated database (0007) over a real
// nats-server; what to record comes from an injected function, as the record plans provide it.

let testDb: TestDatabase;
let nats: PrivateNats;
let nc: Awaited<ReturnType<typeof connectNats>>;
let bus: Bus;
let subscriptions: Array<{ unsubscribe(): void }>;
const asked: Array<{ clusterId: string; now: Date }> = [];
const clusterA = randomUUID();
const clusterB = randomUUID();
const fixedNow = new Date(Date.UTC(2026, 11, 7, 10, 0, 0));
const desiredA: DesiredRecording = { deviceId: "34020000001320000001", channelId: "34020000001310000001", streamId: "34020000001320000001_34020000001310000001", planId: "p1", transitionDays: 1, expirationDays: 2 };

beforeAll(async () => {
  testDb = await createTestDatabase();
  const logger = createLogger("api-test", "silent");
  nats = await startPrivateNats(logger);
  nc = await connectNats({ url: nats.url, name: "api-recording-bus-test", logger });
  bus = new Bus(nc, logger);
  subscriptions = serveRecordingBus(bus, {
    db: testDb.database.db,
    box: createSecretBox(randomBytes(32)),
    now: () => fixedNow,
    listDesiredRecordings: (clusterId, now) => {
      asked.push({ clusterId, now });
      return Promise.resolve(clusterId === clusterA ? [desiredA] : []);
    },
  });
  await nc.flush();
});
afterAll(async () => {
  subscriptions?.forEach((s) => s.unsubscribe());
  await nc?.drain();
  await nats?.stop();
  await testDb?.drop();
});

function segment(startMs: number, endMs: number, overrides: Partial<StoredSegment> = {}): StoredSegment {
  return { deviceId: desiredA.deviceId, channelId: desiredA.channelId, planId: "p1", startMs, endMs, bytes: 1000, storage: "disk", objectKey: `k/${startMs}-${endMs}.ts`, transitionDays: 1, expirationDays: 2, ...overrides };
}

describe("recording bus (API side)", () => {
  it("answers each cluster what the plans say it should record, at the API's clock", async () => {
    expect(await bus.request(recordingDesired, { clusterId: clusterA }, {})).toEqual({ recordings: [desiredA] });
    expect(await bus.request(recordingDesired, { clusterId: clusterB }, {})).toEqual({ recordings: [] });
    expect(asked).toEqual([
      { clusterId: clusterA, now: fixedNow },
      { clusterId: clusterB, now: fixedNow },
    ]);
  });

  it("indexes a stored segment once however often it is reported, with lifecycle dates from its plan", async () => {
    const t0 = Date.UTC(2026, 11, 7, 9, 0, 0);
    const first = segment(t0, t0 + 4000);
    for (let i = 0; i < 3; i++) expect(await bus.request(recordingSegmentStored, { clusterId: clusterA }, first)).toEqual({ indexed: true });
    await bus.request(recordingSegmentStored, { clusterId: clusterA }, segment(t0 + 4000, t0 + 8000));
    await bus.request(recordingSegmentStored, { clusterId: clusterA }, segment(t0 + 20_000, t0 + 24_000));
    const rows = await testDb.database.withRawSession((s) => s.rows("SELECT object_key, transition_at, expire_at FROM recording_segments ORDER BY start_at", []));
    expect(rows.map((r) => r.object_key)).toEqual([first.objectKey, `k/${t0 + 4000}-${t0 + 8000}.ts`, `k/${t0 + 20_000}-${t0 + 24_000}.ts`]);
    expect(new Date(rows[0]!.transition_at as string).getTime()).toBe(t0 + 4000 + 86_400_000);
    expect(new Date(rows[0]!.expire_at as string).getTime()).toBe(t0 + 4000 + 3 * 86_400_000);
  });

  it("lists the segments overlapping a range in time order, for one channel only", async () => {
    const t0 = Date.UTC(2026, 11, 7, 9, 0, 0);
    await bus.request(recordingSegmentStored, { clusterId: clusterA }, segment(t0, t0 + 4000, { channelId: "34020000001310000002", objectKey: "other/1.ts" }));
    const { segments } = await bus.request(recordingSegmentsQuery, { clusterId: clusterA }, { deviceId: desiredA.deviceId, channelId: desiredA.channelId, startMs: t0 + 3000, endMs: t0 + 21_000 });
    expect(segments.map((s) => [s.startMs - t0, s.endMs - t0, s.storageClass])).toEqual([
      [0, 4000, "standard"],
      [4000, 8000, "standard"],
      [20_000, 24_000, "standard"],
    ]);
  });

  it("refuses a malformed report with a clear error and stores nothing", async () => {
    await expect(bus.request(recordingSegmentStored, { clusterId: clusterA }, { ...segment(1, 2), deviceId: "../x" } as StoredSegment)).rejects.toThrow();
    const rows = await testDb.database.withRawSession((s) => s.rows("SELECT count(*)::int AS n FROM recording_segments", []));
    expect(rows[0]!.n).toBe(4);
  });
});
