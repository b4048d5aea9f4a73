import { verifyStreamSignature } from "@ivc/media";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDeviceEventHandlers } from "../src/bus/device-events.js";
import type { DeviceEventHandlers } from "../src/bus/device-events.js";
import { ErrorCodes } from "../src/errors/codes.js";
import { refuse, succeed } from "../src/errors/outcome.js";
import { timelineSegments } from "../src/recordings/timeline-segments.js";
import { num } from "../src/validation/rules.js";
import { validate } from "../src/validation/validate.js";
import { addGbChannel } from "./support/gb-channels.js";
import type { GbChannelOptions } from "./support/gb-channels.js";
import { createHarness, testNode } from "./support/harness.js";
import type { Harness } from "./support/harness.js";
import { createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";

let testDb: TestDatabase;
let h: Harness;
let events: DeviceEventHandlers;

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database);
  events = createDeviceEventHandlers(testDb.database.db);
});
afterAll(async () => {
  await h?.app.close();
  await testDb?.drop();
});
beforeEach(() => h.channelControl.reset());

const MISSING = "00000000-0000-4000-8000-000000000000";
const MEDIA = `http://${testNode.mediaHost}:${testNode.mediaHttpPort}`;
const HOUR = 3600;
/** 2022-07-01 00:00:00 +08:00, the spec's example. */
const DAY = 1656604800;
const channel = (options: GbChannelOptions = {}) => addGbChannel(h, events, options);
const timeline = (body: Record<string, unknown>, key = h.alice) => h.call<Array<{ Begin: number; End: number }>>(key, "POST", "/ivc/cms/control/timeline", body);
const record = (body: Record<string, unknown>, key = h.alice) => h.call<{ Flv: string }>(key, "POST", "/ivc/cms/control/record", body);
const recordctl = (body: Record<string, unknown>, key = h.alice) => h.call(key, "POST", "/ivc/cms/control/recordctl", body);

describe("num rule", () => {
  const shape = { Scale: num({ required: false, description: "speed", values: [0.25, 2] }) };

  it("takes JSON numbers in bodies and decimal text in queries, compared numerically", () => {
    expect(validate(shape, { Scale: 2.0 }, "body")).toEqual({ ok: true, value: { Scale: 2 } });
    expect(validate(shape, { Scale: "0.25" }, "query")).toEqual({ ok: true, value: { Scale: 0.25 } });
    expect(validate(shape, { Scale: "0.25" }, "body")).toMatchObject({ ok: false, failure: { error: { statusCode: 40005 } } });
    expect(validate(shape, { Scale: 0.5 }, "body")).toMatchObject({ ok: false, failure: { detail: "Scale must be one of 0.25, 2" } });
  });
});

describe("timelineSegments", () => {
  it("merges overlapping and touching files, keeps real gaps, clips to the range and sorts", () => {
    const items = [
      { start: DAY + 2 * HOUR, end: DAY + 3 * HOUR },
      { start: DAY - HOUR, end: DAY + HOUR },
      { start: DAY + HOUR + 1, end: DAY + 2 * HOUR - 1 },
      { start: DAY + 2 * HOUR + 60, end: DAY + 2 * HOUR + 120 },
      { start: DAY + 5 * HOUR, end: DAY + 6 * HOUR },
      { start: DAY + 30 * HOUR, end: DAY + 31 * HOUR },
      { start: DAY + 7 * HOUR, end: DAY + 7 * HOUR },
    ];
    expect(timelineSegments(items, DAY, DAY + 24 * HOUR)).toEqual([
      { Begin: DAY, End: DAY + 3 * HOUR },
      { Begin: DAY + 5 * HOUR, End: DAY + 6 * HOUR },
    ]);
  });

  it("keeps a gap of two seconds", () => {
    expect(timelineSegments([{ start: 10, end: 20 }, { start: 22, end: 30 }], 0, 100)).toEqual([
      { Begin: 10, End: 20 },
      { Begin: 22, End: 30 },
    ]);
  });
});

describe("control/timeline", () => {
  it("asks the device for [Start, End] and answers merged segments in epoch seconds", async () => {
    const c = await channel();
    h.channelControl.recordingsAnswer = succeed([
      { start: DAY + HOUR, end: DAY + 2 * HOUR },
      { start: DAY, end: DAY + HOUR },
      { start: DAY + 3 * HOUR, end: DAY + 4 * HOUR },
    ]);
    const { env } = await timeline({ ChannelId: c.channelId, Start: DAY, End: DAY + 24 * HOUR });
    expect(env).toMatchObject({ Code: 0, StatusCode: 200 });
    expect(env.Data).toEqual([
      { Begin: DAY, End: DAY + 2 * HOUR },
      { Begin: DAY + 3 * HOUR, End: DAY + 4 * HOUR },
    ]);
    expect(h.channelControl.calls).toEqual([
      { op: "recordings", target: { clusterId: testNode.id, deviceCode: c.deviceCode, channelCode: c.channelCode }, start: DAY, end: DAY + 24 * HOUR },
    ]);
  });

  it("answers 41627 when the device has nothing in the range", async () => {
    const c = await channel();
    expect((await timeline({ ChannelId: c.channelId, Start: DAY, End: DAY + HOUR })).env).toMatchObject({ Code: 500, StatusCode: 41627 });
  });

  it("refuses Start after End (41611) and Start in the future (41612) before asking the device", async () => {
    const c = await channel();
    const now = Math.floor(Date.now() / 1000);
    expect((await timeline({ ChannelId: c.channelId, Start: 1231313123, End: 123131231 })).env.StatusCode).toBe(41611);
    expect((await timeline({ ChannelId: c.channelId, Start: now + 600, End: now + 1200 })).env.StatusCode).toBe(41612);
    expect(h.channelControl.calls).toEqual([]);
  });

  it("asks an NVR about an offline camera's recordings, but not a device that is offline (41617)", async () => {
    const c = await channel({ channelOnline: false, gbPtzType: 3 });
    expect((await timeline({ ChannelId: c.channelId, Start: DAY, End: DAY + HOUR })).env.StatusCode).toBe(41627);
    expect(h.channelControl.calls).toHaveLength(1);
    await events.offline({ clusterId: testNode.id, deviceId: c.deviceCode });
    expect((await timeline({ ChannelId: c.channelId, Start: DAY, End: DAY + HOUR })).env.StatusCode).toBe(41617);
  });

  it("answers the control's failure code", async () => {
    const c = await channel();
    h.channelControl.recordingsAnswer = refuse(ErrorCodes.SignalingTimeout, "sip_timeout");
    expect((await timeline({ ChannelId: c.channelId, Start: DAY, End: DAY + HOUR })).env.StatusCode).toBe(41637);
  });

  it("refuses another account's channel (42207), an unknown one (42207) and a missing End (40001)", async () => {
    const other = await channel({ key: h.bob });
    expect((await timeline({ ChannelId: other.channelId, Start: DAY, End: DAY + HOUR })).env.StatusCode).toBe(42207);
    expect((await timeline({ ChannelId: MISSING, Start: DAY, End: DAY + HOUR })).env.StatusCode).toBe(42207);
    expect((await timeline({ ChannelId: other.channelId, Start: DAY })).env.StatusCode).toBe(40001);
    expect(h.channelControl.calls).toEqual([]);
  });
});

describe("control/record", () => {
  it("answers only Flv: /live/<channel code>@<new session>.live.flv with start, end, device and transport", async () => {
    const c = await channel({ transport: 2 });
    const { env } = await record({ ChannelId: c.channelId, Start: DAY, End: DAY + HOUR, StreamType: 1 });
    expect(env).toMatchObject({ Code: 0, StatusCode: 200 });
    expect(Object.keys(env.Data)).toEqual(["Flv"]);
    const url = new URL(env.Data.Flv);
    expect(`${url.origin}`).toBe(MEDIA);
    const match = /^\/live\/(\d{20})@([0-9a-f-]{36})\.live\.flv$/.exec(url.pathname);
    expect(match?.[1]).toBe(c.channelCode);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      start: String(DAY),
      end: String(DAY + HOUR),
      device: c.deviceCode,
      transport: "tcp-passive",
      stream_type: "1",
    });
    const again = new URL((await record({ ChannelId: c.channelId, Start: DAY, End: DAY + HOUR })).env.Data.Flv);
    expect(again.pathname).not.toBe(url.pathname);
    expect(h.channelControl.calls).toEqual([]);
  });

  it("signs the session's stream path with PullSecret when PullState is 1", async () => {
    const c = await channel();
    await h.setStreamAuth(h.alice, { PullState: 1, PullSecret: "pull42", PullExpired: 10 });
    const now = Math.floor(Date.now() / 1000);
    const { env } = await record({ ChannelId: c.channelId, Start: DAY, End: DAY + HOUR, Resolution: "720P" });
    await h.setStreamAuth(h.alice, {});
    const url = new URL(env.Data.Flv);
    const streamPath = url.pathname.replace(/\.live\.flv$/, "");
    expect(url.searchParams.get("resolution")).toBe("720P");
    expect(verifyStreamSignature(streamPath, url.searchParams, "pull42", now).ok).toBe(true);
    expect(verifyStreamSignature(`/live/${c.channelCode}@other`, url.searchParams, "pull42", now).ok).toBe(false);
    expect(verifyStreamSignature(streamPath, url.searchParams, "pull42", now + 601)).toEqual({ ok: false, reason: "expired" });
  });

  it.each([
    ["StreamType with Resolution", { StreamType: 1, Resolution: "3" }, 41633],
    ["Start after End", { Start: DAY + 10, End: DAY }, 41611],
    ["an empty range", { Start: DAY, End: DAY }, 41611],
    ["Start in the future", { Start: 4102444800, End: 4102448400 }, 41612],
    ["StreamType 3", { StreamType: 3 }, 40005],
  ])("refuses %s with %s", async (_what, fields, code) => {
    const c = await channel();
    expect((await record({ ChannelId: c.channelId, Start: DAY, End: DAY + HOUR, ...fields })).env).toMatchObject({ Code: 500, StatusCode: code });
  });

  it("refuses another account's channel (42207), an unregistered device (41628) and a disabled one (41621)", async () => {
    expect((await record({ ChannelId: (await channel({ key: h.bob })).channelId, Start: DAY, End: DAY + HOUR })).env.StatusCode).toBe(42207);
    expect((await record({ ChannelId: (await channel({ deviceOnline: false })).channelId, Start: DAY, End: DAY + HOUR })).env.StatusCode).toBe(41628);
    const c = await channel();
    await h.call(h.alice, "PUT", "/ivc/cms/device/updatestatus", { Id: c.deviceId, Status: 3 });
    expect((await record({ ChannelId: c.channelId, Start: DAY, End: DAY + HOUR })).env.StatusCode).toBe(41621);
  });
});

describe("control/recordctl", () => {
  const SESSION = "c451066b-bc6d-46ba-86cd-53fc3c7c1d7c";

  it.each([
    ["play with Pos", { Action: "play", Pos: 1 }, { action: "play", pos: 1 }],
    ["play with Scale 0.25", { Action: "play", Scale: 0.25 }, { action: "play", scale: 0.25 }],
    ["play with Scale 2.0", { Action: "play", Scale: 2.0 }, { action: "play", scale: 2 }],
    ["pause", { Action: "pause" }, { action: "pause" }],
    ["stop as teardown", { Action: "stop" }, { action: "teardown" }],
  ])("sends %s on the session's stream", async (_what, fields, command) => {
    const c = await channel();
    expect((await recordctl({ ChannelId: c.channelId, Session: SESSION, ...fields })).env).toMatchObject({ Code: 0, Data: null });
    expect(h.channelControl.calls).toEqual([{ op: "playback", clusterId: testNode.id, streamId: `${c.channelCode}@${SESSION}`, command }]);
  });

  it("accepts the channel code taken from the playback URL as ChannelId", async () => {
    const c = await channel();
    const flv = new URL((await record({ ChannelId: c.channelId, Start: DAY, End: DAY + HOUR })).env.Data.Flv);
    const [channelPart, session] = flv.pathname.slice("/live/".length, -".live.flv".length).split("@");
    expect((await recordctl({ ChannelId: channelPart, Session: session, Action: "pause" })).env.StatusCode).toBe(200);
    expect(h.channelControl.calls).toEqual([{ op: "playback", clusterId: testNode.id, streamId: `${c.channelCode}@${session}`, command: { action: "pause" } }]);
  });

  it.each([
    ["Pos with Scale", { Action: "play", Pos: 3, Scale: 2 }, 41630],
    ["Scale 3", { Action: "play", Scale: 3 }, 43412],
    ["Scale as text", { Action: "play", Scale: "2" }, 40005],
    ["a negative Pos", { Action: "play", Pos: -1 }, 40005],
    ["Pos with pause", { Action: "pause", Pos: 3 }, 40005],
    ["Scale with stop", { Action: "stop", Scale: 1 }, 40005],
    ["Action resume", { Action: "resume" }, 40005],
    ["a Session with a slash", { Action: "play", Session: "a/b" }, 41605],
    ["no Session", { Action: "play", Session: undefined }, 41605],
  ])("refuses %s with %s and sends nothing", async (_what, fields, code) => {
    const c = await channel();
    expect((await recordctl({ ChannelId: c.channelId, Session: SESSION, ...fields })).env).toMatchObject({ Code: 500, StatusCode: code });
    expect(h.channelControl.calls).toEqual([]);
  });

  it("answers 43412 with HTTP 400, as the error table prints", async () => {
    const c = await channel();
    expect((await recordctl({ ChannelId: c.channelId, Session: SESSION, Action: "play", Scale: 16 })).res.statusCode).toBe(400);
  });

  it("refuses another account's channel by id or by code (42207), and an offline device (41617)", async () => {
    const other = await channel({ key: h.bob });
    expect((await recordctl({ ChannelId: other.channelId, Session: SESSION, Action: "stop" })).env.StatusCode).toBe(42207);
    expect((await recordctl({ ChannelId: other.channelCode, Session: SESSION, Action: "stop" })).env.StatusCode).toBe(42207);
    expect((await recordctl({ ChannelId: "34020000001329999999", Session: SESSION, Action: "stop" })).env.StatusCode).toBe(42207);
    expect(h.channelControl.calls).toEqual([]);
    const c = await channel();
    await events.offline({ clusterId: testNode.id, deviceId: c.deviceCode });
    expect((await recordctl({ ChannelId: c.channelId, Session: SESSION, Action: "play" })).env.StatusCode).toBe(41617);
  });

  it("answers an unknown session with the control's 41605", async () => {
    const c = await channel();
    h.channelControl.commandAnswer = refuse(ErrorCodes.InvalidStreamId, "stream_not_found: no playback");
    expect((await recordctl({ ChannelId: c.channelId, Session: SESSION, Action: "play" })).env.StatusCode).toBe(41605);
  });
});
