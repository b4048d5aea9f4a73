import { randomBytes, randomUUID } from "node:crypto";
import { Bus, connectNats, recordingSegmentsQuery, recordingSegmentStored, recordingUploadProgress, recordingUploadsDesired, type StoredSegment } from "@ivc/bus";
import { createLogger } from "@ivc/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSecretBox } from "../src/accounts/secret-box.js";
import { createDeviceEventHandlers } from "../src/bus/device-events.js";
import { listDesiredRecordings } from "../src/recordings/desired-recordings.js";
import { serveRecordingBus } from "../src/recordings/recording-bus.js";
import { serveUploadBus } from "../src/recordings/upload-bus.js";
import { startPrivateNats, type PrivateNats } from "../../../test/support/private-nats.js";
import { createHarness, testNode } from "./support/harness.js";
import type { Harness } from "./support/harness.js";
import { createTestDatabase, type TestDatabase } from "./support/pg.js";
import { addUploadTemplate, UPLOAD_PLAN_PATHS as P } from "./support/record-plans.js";

// The relay's upload questions answered by the API over a real nats-server on a migrated database,
// with plans made through the signed HTTP API and a fake clock: which pieces are due in the upload
// window, how progress moves them, and that what did not fit is reported missing.

let testDb: TestDatabase;
let h: Harness;
let nats: PrivateNats;
let nc: Awaited<ReturnType<typeof connectNats>>;
let bus: Bus;
let subscriptions: Array<{ unsubscribe(): void }>;
let clock = new Date();
const limits = { perDevice: 2, perSite: 5 };
const at = (iso: string) => new Date(Date.parse(iso));
let device: { id: string; code: string; channels: Array<{ id: string; code: string }> };
let planId: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database);
  const logger = createLogger("api-test", "silent");
  nats = await startPrivateNats(logger);
  nc = await connectNats({ url: nats.url, name: "api-upload-bus-test", logger });
  bus = new Bus(nc, logger);
  subscriptions = [
    ...serveUploadBus(bus, { db: testDb.database.db, utcOffsetMinutes: 480, limits, now: () => clock }),
    ...serveRecordingBus(bus, { db: testDb.database.db, box: createSecretBox(randomBytes(32)), listDesiredRecordings: () => Promise.resolve([]) }),
  ];
  await nc.flush();

  const added = (await h.call<{ Id: string; Code: string }>(h.alice, "POST", "/ivc/cms/device/add", { Name: "nvr", AccessProtocol: 2, Type: 2, Password: "12345678", OrganizationId: "0", ClusterId: testNode.id })).env.Data;
  await createDeviceEventHandlers(testDb.database.db).catalog({
    clusterId: testNode.id,
    deviceId: added.Code,
    channels: [0, 1].map((i) => ({ channelId: `3402000000131000000${i}`, name: `ch${i}`, online: true })),
  });
  const listed = (await h.call<Array<{ ChannelId: string; ChannelCode: string }>>(h.alice, "GET", `/ivc/cms/device/channel?DeviceId=${added.Id}`)).env.Data;
  device = { id: added.Id, code: added.Code, channels: listed.map((c) => ({ id: c.ChannelId, code: c.ChannelCode })).sort((a, b) => a.code.localeCompare(b.code)) };
  // Monday 02:00–04:00 (UTC+8) pulls Sunday's 08:00–10:00 and 12:00–13:00 at 4×.
  const template = await addUploadTemplate(h, h.alice, "nightly", [{ DayOfWeek: 1, StartTime: "02:00:00", EndTime: "04:00:00" }], [
    { DayOfWeek: 1, StartTime: "08:00:00", EndTime: "10:00:00" },
    { DayOfWeek: 1, StartTime: "12:00:00", EndTime: "13:00:00" },
  ], 4);
  const plan = await h.call<{ PlanId: string }>(h.alice, "POST", P.add, { PlanName: "backup", TemplateId: template.TemplateId, LifeCycle: { Transition: 3, Expiration: 60 }, OrganizationId: ["0"] });
  planId = plan.env.Data.PlanId;
});
afterAll(async () => {
  subscriptions?.forEach((s) => s.unsubscribe());
  await nc?.drain();
  await nats?.stop();
  await h?.app.close();
  await testDb?.drop();
});

const desired = (clusterId = testNode.id) => bus.request(recordingUploadsDesired, { clusterId }, {});
const report = (fields: { pieceId: string; channelId: string; state: "uploading" | "done" | "failed" | "no-recording" | "missed"; storedUntilMs?: number; reason?: string }, clusterId = testNode.id) =>
  bus.request(recordingUploadProgress, { clusterId }, { planId, deviceId: device.code, ...fields });
const SUN_08 = Date.parse("2026-12-06T08:00:00+08:00");
const SUN_10 = Date.parse("2026-12-06T10:00:00+08:00");
const SUN_12 = Date.parse("2026-12-06T12:00:00+08:00");
const SUN_13 = Date.parse("2026-12-06T13:00:00+08:00");
const WINDOW_END = Date.parse("2026-12-07T04:00:00+08:00");

async function channelPieces() {
  const page = await h.call<{ List: Array<{ ChannelId: string; UploadDay: string; Pieces: Array<{ StartTime: number; EndTime: number; State: string; StoredUntil: number; Reason: string }> }> }>(
    h.alice,
    "GET",
    `${P.channels}?PlanId=${planId}&PageSize=10&PageNumber=1`,
  );
  return new Map(page.env.Data.List.map((c) => [c.ChannelId, c]));
}

describe("recording uploads over the bus (API side)", () => {
  it("lists nothing outside the upload window", async () => {
    clock = at("2026-12-07T01:59:00+08:00");
    expect(await desired()).toEqual({ pieces: [], limits });
  });

  it("in the window, lists each channel's pieces of yesterday with the limits, and only to the device's cluster", async () => {
    clock = at("2026-12-07T02:00:00+08:00");
    const { pieces, limits: answered } = await desired();
    expect(answered).toEqual(limits);
    expect(pieces).toHaveLength(4);
    const ch0 = device.channels[0];
    expect(pieces).toContainEqual({
      pieceId: expect.any(String),
      deviceId: device.code,
      channelId: ch0?.code,
      planId,
      startMs: SUN_08,
      endMs: SUN_10,
      scale: 4,
      windowEndMs: WINDOW_END,
      transitionDays: 3,
      expirationDays: 60,
    });
    expect((await desired(randomUUID())).pieces).toEqual([]);
    // An upload plan's window is no live recording.
    expect(await listDesiredRecordings(testDb.database.db, testNode.id, clock, 480)).toEqual([]);
    const shown = await channelPieces();
    expect(shown.get(ch0?.id ?? "")).toMatchObject({ UploadDay: "2026-12-06", Pieces: [{ StartTime: SUN_08 / 1000, EndTime: SUN_10 / 1000, State: "pending" }, { State: "pending" }] });
  });

  it("moves pieces with the relay's reports: resume point, done, failed retried, no-recording; other clusters and late reports change nothing", async () => {
    clock = at("2026-12-07T02:10:00+08:00");
    const { pieces } = await desired();
    const [ch0, ch1] = device.channels;
    const piece = (channel: string | undefined, startMs: number) => pieces.find((p) => p.channelId === channel && p.startMs === startMs);
    const a = piece(ch0?.code, SUN_08);
    const b = piece(ch0?.code, SUN_12);
    const c = piece(ch1?.code, SUN_08);
    const d = piece(ch1?.code, SUN_12);
    if (!a || !b || !c || !d) throw new Error("pieces missing");
    const mid = SUN_08 + 3_600_000;
    expect(await report({ pieceId: a.pieceId, channelId: a.channelId, state: "uploading", storedUntilMs: mid })).toEqual({ updated: true });
    // Another cluster cannot speak for this device.
    expect(await report({ pieceId: b.pieceId, channelId: b.channelId, state: "done" }, randomUUID())).toEqual({ updated: false });
    expect(await report({ pieceId: b.pieceId, channelId: b.channelId, state: "failed", reason: "device BYE" })).toEqual({ updated: true });
    expect(await report({ pieceId: c.pieceId, channelId: c.channelId, state: "done", storedUntilMs: SUN_10 })).toEqual({ updated: true });
    expect(await report({ pieceId: c.pieceId, channelId: c.channelId, state: "uploading", storedUntilMs: SUN_08 })).toEqual({ updated: false });
    expect(await report({ pieceId: d.pieceId, channelId: d.channelId, state: "no-recording" })).toEqual({ updated: true });

    const next = await desired();
    expect(next.pieces.map((p) => p.pieceId).sort()).toEqual([a.pieceId, b.pieceId].sort());
    expect(next.pieces.find((p) => p.pieceId === a.pieceId)?.resumeFromMs).toBe(mid);
    expect(next.pieces.find((p) => p.pieceId === b.pieceId)).not.toHaveProperty("resumeFromMs");

    const shown = await channelPieces();
    expect(shown.get(ch1?.id ?? "")?.Pieces.map((p) => p.State)).toEqual(["done", "no-recording"]);
    expect(shown.get(ch0?.id ?? "")?.Pieces).toEqual([
      { StartTime: SUN_08 / 1000, EndTime: SUN_10 / 1000, State: "uploading", StoredUntil: mid / 1000, Reason: "" },
      { StartTime: SUN_12 / 1000, EndTime: SUN_13 / 1000, State: "failed", StoredUntil: 0, Reason: "device BYE" },
    ]);
  });

  it("an indexed segment of a piece moves its resume point (a relay killed before its report pulls it not again); the same key indexed again takes the new size", async () => {
    const ch0 = device.channels[0];
    const b = (await desired()).pieces.find((p) => p.channelId === ch0?.code && p.startMs === SUN_12);
    if (!b) throw new Error("piece missing");
    expect(b).not.toHaveProperty("resumeFromMs");
    const segment = (startMs: number, fields: Partial<StoredSegment> = {}): StoredSegment => ({
      deviceId: device.code,
      channelId: ch0?.code ?? "",
      planId,
      startMs,
      endMs: startMs + 4000,
      bytes: 1000,
      storage: "disk",
      objectKey: `${device.code}/${ch0?.code}/20261206/${startMs}-${startMs + 4000}${fields.planId ?? ""}.ts`,
      transitionDays: 3,
      expirationDays: 60,
      ...fields,
    });
    const store = (s: StoredSegment, clusterId = testNode.id) => bus.request(recordingSegmentStored, { clusterId }, s);
    await store(segment(SUN_12));
    await store(segment(SUN_12 + 4000));
    // Neither another cluster's report nor a live plan's segment of the same range moves it.
    await store(segment(SUN_12 + 8000), randomUUID());
    await store(segment(SUN_12 + 8000, { planId: "live-plan" }));
    expect((await desired()).pieces.find((p) => p.pieceId === b.pieceId)?.resumeFromMs).toBe(SUN_12 + 8000);
    expect((await channelPieces()).get(ch0?.id ?? "")?.Pieces[1]).toMatchObject({ State: "failed", StoredUntil: (SUN_12 + 8000) / 1000 });

    await store(segment(SUN_12 + 4000, { bytes: 1234 }));
    const indexed = await bus.request(recordingSegmentsQuery, { clusterId: testNode.id }, { deviceId: device.code, channelId: ch0?.code ?? "", startMs: SUN_12, endMs: SUN_12 + 8000 });
    expect(indexed.segments.map((s) => s.bytes)).toEqual([1000, 1234]);
  });

  it("when the window closes, what was not stored is reported missed, with why, and is no longer asked for", async () => {
    clock = at("2026-12-07T04:00:00+08:00");
    expect((await desired()).pieces).toEqual([]);
    const ch0 = device.channels[0];
    const shown = await channelPieces();
    expect(shown.get(ch0?.id ?? "")?.Pieces.map((p) => [p.State, p.Reason])).toEqual([
      ["missed", "the upload window closed first"],
      ["missed", "device BYE"],
    ]);
    expect(shown.get(ch0?.id ?? "")?.Pieces[0]?.StoredUntil).toBe((SUN_08 + 3_600_000) / 1000);
  });

  it("a piece never started in its window is missed with that reason", async () => {
    // The next Monday: nobody reports anything.
    clock = at("2026-12-14T03:00:00+08:00");
    expect((await desired()).pieces).toHaveLength(4);
    clock = at("2026-12-14T04:00:01+08:00");
    await desired();
    const shown = await channelPieces();
    expect(shown.get(device.channels[1]?.id ?? "")).toMatchObject({ UploadDay: "2026-12-13", Pieces: [{ State: "missed", Reason: "the upload window closed before the piece was started" }, { State: "missed" }] });
  });
});
