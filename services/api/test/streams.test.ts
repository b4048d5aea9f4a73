import { verifyStreamSignature } from "@ivc/media";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeviceEventHandlers } from "../src/bus/device-events.js";
import type { DeviceEventHandlers } from "../src/bus/device-events.js";
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

interface Added {
  Id: string;
  Code: string;
}
interface Urls {
  Flv: string;
  Hls: string;
}

const MISSING = "00000000-0000-4000-8000-000000000000";
const MEDIA = `http://${testNode.mediaHost}:${testNode.mediaHttpPort}`;
let nextChannel = 1;

async function addDevice(fields: Record<string, unknown>): Promise<Added> {
  const body = { Name: "cam", Type: 1, OrganizationId: "0", ClusterId: testNode.id, ...fields };
  return (await h.call<Added>(h.alice, "POST", "/ivc/cms/device/add", body)).env.Data;
}

/** A GB device with one channel, online unless told otherwise. */
async function gbChannel(options: { transport?: number; deviceOnline?: boolean; channelOnline?: boolean } = {}) {
  const device = await addDevice({ AccessProtocol: 2, Type: 2, TransportProtocol: options.transport ?? 1, Password: "12345678" });
  const code = `340200000013100${String(nextChannel++).padStart(5, "0")}`;
  await events.catalog({ clusterId: testNode.id, deviceId: device.Code, channels: [{ channelId: code, name: "ch", online: options.channelOnline ?? true }] });
  if (options.deviceOnline ?? true) await events.online({ clusterId: testNode.id, deviceId: device.Code });
  const channels = await h.call<Array<{ ChannelId: string }>>(h.alice, "GET", `/ivc/cms/device/channel?DeviceId=${device.Id}`);
  return { device, code, channelId: channels.env.Data[0]?.ChannelId ?? "" };
}

async function rtmpDevice(pushing: boolean): Promise<Added> {
  const device = await addDevice({ AccessProtocol: 1 });
  if (pushing) await events.rtmpPush({ clusterId: testNode.id, app: "live", streamId: device.Code }, true);
  return device;
}

const stream = (body: Record<string, unknown>, key = h.alice) => h.call<Urls>(key, "POST", "/ivc/cms/control/stream", body);

describe("control/stream for GB channels", () => {
  it("answers FLV and HLS URLs on the node's media host naming the device and the channel (stream <device>_<channel>) and its UDP transport", async () => {
    const { device, code, channelId } = await gbChannel();
    const { env } = await stream({ ChannelId: channelId });
    expect(env).toMatchObject({ Code: 0, StatusCode: 200 });
    expect(env.Data).toEqual({
      Flv: `${MEDIA}/live/${device.Code}_${code}.live.flv?device=${device.Code}&transport=udp`,
      Hls: `${MEDIA}/hls/${device.Code}_${code}/index.m3u8?device=${device.Code}&transport=udp`,
    });
  });

  it("asks TCP devices for tcp-passive and accepts a matching DeviceId next to the ChannelId", async () => {
    const { device, channelId } = await gbChannel({ transport: 2 });
    const { env } = await stream({ DeviceId: device.Id, ChannelId: channelId });
    expect(new URL(env.Data.Flv).searchParams.get("transport")).toBe("tcp-passive");
  });

  it("carries StreamType as stream_type and Resolution as resolution", async () => {
    const { channelId } = await gbChannel();
    const sub = await stream({ ChannelId: channelId, StreamType: 2 });
    expect(new URL(sub.env.Data.Flv).searchParams.get("stream_type")).toBe("2");
    expect(new URL(sub.env.Data.Hls).searchParams.get("stream_type")).toBe("2");
    const sized = await stream({ ChannelId: channelId, Resolution: "1080P/I" });
    expect(new URL(sized.env.Data.Flv).searchParams.get("resolution")).toBe("1080P/I");
    expect(new URL(sized.env.Data.Flv).searchParams.has("stream_type")).toBe(false);
  });

  it("signs both URLs with PullSecret for PullExpired minutes when PullState is 1, verifiable by media-relay", async () => {
    const { device, code: channelCode, channelId } = await gbChannel();
    const code = `${device.Code}_${channelCode}`;
    await h.setStreamAuth(h.alice, { PullState: 1, PullSecret: "pull42", PullExpired: 10 });
    const before = Math.floor(Date.now() / 1000);
    const { env } = await stream({ ChannelId: channelId });
    const after = Math.floor(Date.now() / 1000);
    await h.setStreamAuth(h.alice, {});
    for (const url of [new URL(env.Data.Flv), new URL(env.Data.Hls)]) {
      const check = verifyStreamSignature(`/live/${code}`, url.searchParams, "pull42", after);
      expect(check.ok && check.expiresAt >= before + 600 && check.expiresAt <= after + 600).toBe(true);
      expect(verifyStreamSignature(`/live/${code}`, url.searchParams, "pull42", after + 601)).toEqual({ ok: false, reason: "expired" });
      expect(verifyStreamSignature(`/live/${code}`, url.searchParams, "other", after).ok).toBe(false);
    }
    expect(new URL((await stream({ ChannelId: channelId })).env.Data.Flv).searchParams.has("sign")).toBe(false);
  });

  it.each([
    ["a device that is not registered", { deviceOnline: false }, 41628],
    ["an offline channel", { channelOnline: false }, 41634],
  ])("refuses %s with %s", async (_what, options, code) => {
    const { channelId } = await gbChannel(options);
    expect((await stream({ ChannelId: channelId })).env).toMatchObject({ Code: 500, StatusCode: code });
  });

  it("refuses an offline device with 41617 and a disabled one with 41621", async () => {
    const { device, channelId } = await gbChannel();
    await events.offline({ clusterId: testNode.id, deviceId: device.Code });
    expect((await stream({ ChannelId: channelId })).env.StatusCode).toBe(41617);
    await h.call(h.alice, "PUT", "/ivc/cms/device/updatestatus", { Id: device.Id, Status: 3 });
    expect((await stream({ ChannelId: channelId })).env.StatusCode).toBe(41621);
  });

  it("needs the ChannelId of a GB device (40001) and refuses a channel of another device (42207)", async () => {
    const a = await gbChannel();
    const b = await gbChannel();
    expect((await stream({ DeviceId: a.device.Id })).env).toMatchObject({ StatusCode: 40001, Data: "ChannelId is required for GB devices" });
    expect((await stream({ DeviceId: a.device.Id, ChannelId: b.channelId })).env.StatusCode).toBe(42207);
  });
});

describe("control/stream for RTMP devices", () => {
  it("plays the device's pushed stream /live/<code> without INVITE parameters", async () => {
    const device = await rtmpDevice(true);
    const { env } = await stream({ DeviceId: device.Id });
    expect(env.Data).toEqual({ Flv: `${MEDIA}/live/${device.Code}.live.flv`, Hls: `${MEDIA}/hls/${device.Code}/index.m3u8` });
  });

  it("refuses a device that never pushed (41628) and one that stopped pushing (41617)", async () => {
    const device = await rtmpDevice(false);
    expect((await stream({ DeviceId: device.Id })).env.StatusCode).toBe(41628);
    await events.rtmpPush({ clusterId: testNode.id, app: "live", streamId: device.Code }, true);
    expect((await stream({ DeviceId: device.Id })).env.StatusCode).toBe(200);
    await events.rtmpPush({ clusterId: testNode.id, app: "live", streamId: device.Code }, false);
    expect((await stream({ DeviceId: device.Id })).env.StatusCode).toBe(41617);
  });
});

describe("control/stream refusals", () => {
  it.each([
    ["StreamType with Resolution", { StreamType: 1, Resolution: "3" }, 41633],
    ["neither DeviceId nor ChannelId", {}, 40001],
    ["an unknown DeviceId", { DeviceId: MISSING }, 42206],
    ["an unknown ChannelId", { ChannelId: MISSING }, 42207],
    ["a malformed DeviceId", { DeviceId: "dev-1" }, 41638],
    ["a malformed ChannelId", { ChannelId: "34020000001310000001" }, 41639],
    ["StreamType 3", { StreamType: 3, ChannelId: MISSING }, 40005],
    ["a Resolution with spaces", { Resolution: "1920 1080", ChannelId: MISSING }, 40005],
  ])("refuses %s with %s", async (_what, body, code) => {
    const { env } = await stream(body);
    expect(env).toMatchObject({ Code: 500, StatusCode: code });
    expect(typeof env.Data).toBe("string");
  });

  it("checks StreamType with Resolution before looking anything up", async () => {
    const { channelId } = await gbChannel({ deviceOnline: false });
    expect((await stream({ ChannelId: channelId, StreamType: 2, Resolution: "720P" })).env.StatusCode).toBe(41633);
  });
});
