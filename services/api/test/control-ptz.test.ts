import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDeviceEventHandlers } from "../src/bus/device-events.js";
import type { DeviceEventHandlers } from "../src/bus/device-events.js";
import { ErrorCodes } from "../src/errors/codes.js";
import { refuse, succeed } from "../src/errors/outcome.js";
import { presetView, ptzSpeed } from "../src/routes/ptz.js";
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
const channel = (options: GbChannelOptions = {}) => addGbChannel(h, events, options);
const ptz = (body: Record<string, unknown>, key = h.alice) => h.call(key, "POST", "/ivc/cms/control/ptz", body);
const preset = (body: Record<string, unknown>, key = h.alice) => h.call(key, "POST", "/ivc/cms/control/preset/mange", body);
const presets = (body: Record<string, unknown>, key = h.alice) => h.call(key, "POST", "/ivc/cms/control/preset/get", body);

describe("control/ptz", () => {
  it("sends the move with the channel's target on the device's node and answers Data null", async () => {
    const c = await channel();
    const { env } = await ptz({ ChannelId: c.channelId, Type: "right", Speed: 3 });
    expect(env).toMatchObject({ Code: 0, StatusCode: 200, Data: null });
    expect(h.channelControl.calls).toEqual([
      { op: "ptz", target: { clusterId: testNode.id, deviceCode: c.deviceCode, channelCode: c.channelCode }, action: "right", speed: 3 },
    ]);
  });

  it("passes every printed Type through unchanged, irisin and irisout included", async () => {
    const c = await channel();
    const types = ["up", "down", "left", "right", "leftup", "rightup", "leftdown", "rightdown", "zoomin", "zoomout", "focusfar", "focusnear", "irisin", "irisout"];
    for (const Type of types) expect((await ptz({ ChannelId: c.channelId, Type, Speed: 8 })).env.StatusCode).toBe(200);
    expect(h.channelControl.calls.map((call) => (call.op === "ptz" ? call.action : ""))).toEqual(types);
  });

  it.each([
    ["missing", undefined, 4],
    ["0", 0, 4],
    ["9", 9, 4],
    ["-1", -1, 4],
    ["1", 1, 1],
    ["8", 8, 8],
  ])("sends speed %s as %s", async (_what, Speed, sent) => {
    const c = await channel();
    expect((await ptz({ ChannelId: c.channelId, Type: "up", ...(Speed !== undefined ? { Speed } : {}) })).env.StatusCode).toBe(200);
    expect(h.channelControl.calls[0]).toMatchObject({ op: "ptz", speed: sent });
  });

  it.each([
    ["an unknown Type", { Type: "stop" }, 40005],
    ["an upper-case Type", { Type: "UP" }, 40005],
    ["no Type", { Type: undefined }, 40001],
    ["a Speed that is not an integer", { Type: "up", Speed: "3" }, 40005],
    ["a malformed ChannelId", { Type: "up", ChannelId: "34020000001320000001" }, 41639],
    ["an unknown ChannelId", { Type: "up", ChannelId: MISSING }, 42207],
  ])("refuses %s with %s and sends nothing", async (_what, fields, code) => {
    const c = await channel();
    expect((await ptz({ ChannelId: c.channelId, ...fields })).env).toMatchObject({ Code: 500, StatusCode: code });
    expect(h.channelControl.calls).toEqual([]);
  });

  it.each([
    ["a device that never registered", { deviceOnline: false }, 41628],
    ["an offline channel", { channelOnline: false }, 41634],
    ["a channel whose PtzType is 0 (fixed camera)", { gbPtzType: 3 }, 40003],
  ])("refuses %s with %s", async (_what, options, code) => {
    const c = await channel(options);
    expect((await ptz({ ChannelId: c.channelId, Type: "up" })).env).toMatchObject({ Code: 500, StatusCode: code });
    expect(h.channelControl.calls).toEqual([]);
  });

  it("refuses an offline device with 41617 and a disabled one with 41621", async () => {
    const c = await channel();
    await events.offline({ clusterId: testNode.id, deviceId: c.deviceCode });
    await events.catalog({ clusterId: testNode.id, deviceId: c.deviceCode, channels: [{ channelId: c.channelCode, name: "ch", online: true, ptzType: 1 }] });
    expect((await ptz({ ChannelId: c.channelId, Type: "up" })).env.StatusCode).toBe(41617);
    await h.call(h.alice, "PUT", "/ivc/cms/device/updatestatus", { Id: c.deviceId, Status: 3 });
    expect((await ptz({ ChannelId: c.channelId, Type: "up" })).env.StatusCode).toBe(41621);
  });

  it.each([
    ["a signaling timeout", ErrorCodes.SignalingTimeout],
    ["an offline device", ErrorCodes.DeviceOffline],
    ["a device that answered ERROR", ErrorCodes.GbSignalingFailed],
  ])("answers %s with the control's code", async (_what, error) => {
    const c = await channel();
    h.channelControl.commandAnswer = refuse(error, "scripted");
    expect((await ptz({ ChannelId: c.channelId, Type: "up" })).env).toMatchObject({ Code: 500, StatusCode: error.statusCode, Data: "scripted" });
  });

  it("treats another account's channel as unknown (42207)", async () => {
    const c = await channel({ key: h.bob });
    expect((await ptz({ ChannelId: c.channelId, Type: "up" })).env.StatusCode).toBe(42207);
    expect((await ptz({ ChannelId: c.channelId, Type: "up" }, h.bob)).env.StatusCode).toBe(200);
  });
});

describe("control/preset/mange", () => {
  it.each(["goto", "set", "del"])("sends %s with the index", async (Cmd) => {
    const c = await channel();
    expect((await preset({ ChannelId: c.channelId, Cmd, Index: 10 })).env).toMatchObject({ Code: 0, Data: null });
    expect(h.channelControl.calls).toEqual([
      { op: "preset", target: { clusterId: testNode.id, deviceCode: c.deviceCode, channelCode: c.channelCode }, command: Cmd, index: 10 },
    ]);
  });

  it.each([
    ["Index 0", { Cmd: "goto", Index: 0 }, 40005],
    ["Index 11", { Cmd: "set", Index: 11 }, 40005],
    ["no Index", { Cmd: "set" }, 40001],
    ["Cmd call", { Cmd: "call", Index: 1 }, 40005],
    ["no Cmd", { Index: 1 }, 40001],
  ])("refuses %s with %s", async (_what, fields, code) => {
    const c = await channel();
    expect((await preset({ ChannelId: c.channelId, ...fields })).env).toMatchObject({ Code: 500, StatusCode: code });
    expect(h.channelControl.calls).toEqual([]);
  });

  it("refuses a channel whose PtzType is 0 (40003), an offline channel (41634) and another account's channel (42207)", async () => {
    expect((await preset({ ChannelId: (await channel({ gbPtzType: 3 })).channelId, Cmd: "goto", Index: 1 })).env.StatusCode).toBe(40003);
    expect((await preset({ ChannelId: (await channel({ channelOnline: false })).channelId, Cmd: "goto", Index: 1 })).env.StatusCode).toBe(41634);
    expect((await preset({ ChannelId: (await channel({ key: h.bob })).channelId, Cmd: "goto", Index: 1 })).env.StatusCode).toBe(42207);
    expect(h.channelControl.calls).toEqual([]);
  });

  it("answers the device's refusal with 51602", async () => {
    const c = await channel();
    h.channelControl.commandAnswer = refuse(ErrorCodes.GbSignalingFailed, "device_refused: Result ERROR");
    expect((await preset({ ChannelId: c.channelId, Cmd: "del", Index: 3 })).env.StatusCode).toBe(51602);
  });
});

describe("control/preset/get", () => {
  it("answers the device's presets 1–10 in order, unnamed ones named after their index", async () => {
    const c = await channel();
    h.channelControl.presetsAnswer = succeed([
      { index: 12, name: "far" },
      { index: 3, name: "门口" },
      { index: 1, name: "" },
      { index: 0, name: "zero" },
      { index: 3, name: "again" },
    ]);
    const { env } = await presets({ ChannelId: c.channelId });
    expect(env).toMatchObject({ Code: 0, StatusCode: 200 });
    expect(env.Data).toEqual([
      { Index: 1, Name: "1" },
      { Index: 3, Name: "门口" },
    ]);
    expect(h.channelControl.calls).toEqual([{ op: "presets", target: { clusterId: testNode.id, deviceCode: c.deviceCode, channelCode: c.channelCode } }]);
  });

  it("answers an empty list when the device has none, and the control's code on failure", async () => {
    const c = await channel();
    expect((await presets({ ChannelId: c.channelId })).env.Data).toEqual([]);
    h.channelControl.presetsAnswer = refuse(ErrorCodes.SignalingTimeout, "sip_timeout");
    expect((await presets({ ChannelId: c.channelId })).env.StatusCode).toBe(41637);
  });

  it("treats another account's channel as unknown (42207) and refuses PtzType 0 (40003)", async () => {
    expect((await presets({ ChannelId: (await channel({ key: h.bob })).channelId })).env.StatusCode).toBe(42207);
    expect((await presets({ ChannelId: (await channel({ gbPtzType: 3 })).channelId })).env.StatusCode).toBe(40003);
    expect(h.channelControl.calls).toEqual([]);
  });
});

describe("helpers", () => {
  it("ptzSpeed keeps 1–8 and replaces anything else with 4", () => {
    expect([undefined, 0, 1, 4, 8, 9, 100, -3].map(ptzSpeed)).toEqual([4, 4, 1, 4, 8, 4, 4, 4]);
  });

  it("presetView trims names and drops duplicates, keeping the first", () => {
    expect(presetView([{ index: 2, name: " a " }, { index: 2, name: "b" }])).toEqual([{ Index: 2, Name: "a" }]);
  });
});
