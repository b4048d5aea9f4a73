import { createHash } from "node:crypto";
import { Bus, BusHandlerError, connectNats, gatewayPtz, streamAuthorize } from "@ivc/bus";
import { verifyStreamSignature } from "@ivc/media";
import { createLogger } from "@ivc/runtime";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createNatsChannelControl } from "../src/bus/nats-channel-control.js";
import { subscribeDeviceEvents } from "../src/bus/subscriptions.js";
import { gatewayPushSecret } from "../src/store/gateway-channels.js";
import { addGatewayChannel } from "./support/gateway-channels.js";
import type { GatewayChannelOptions } from "./support/gateway-channels.js";
import { createHarness, testNode } from "./support/harness.js";
import type { Harness } from "./support/harness.js";
import { startPrivateNats } from "../../../test/support/private-nats.js";
import type { PrivateNats } from "../../../test/support/private-nats.js";
import { createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";

// LAN devices attached through a gateway box (AccessProtocol 3): live URLs, the relay's push
// authorization, and PTZ/presets over the box's ONVIF (`gw.ptz`), with a stand-in box on a
// nats-server of this file's own.

let testDb: TestDatabase;
let h: Harness;
let nats: PrivateNats;
let nc: Awaited<ReturnType<typeof connectNats>>;
let bus: Bus;
let subscriptions: Array<{ unsubscribe(): void }>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database);
  const logger = createLogger("api-test", "silent");
  nats = await startPrivateNats(logger);
  nc = await connectNats({ url: nats.url, name: "api-gateway-channels-test", logger });
  bus = new Bus(nc, logger);
  subscriptions = subscribeDeviceEvents(bus, testDb.database.db, h.keyDeps.box);
  await nc.flush();
});
afterAll(async () => {
  subscriptions?.forEach((s) => s.unsubscribe());
  await nc?.drain();
  await nats?.stop();
  await h?.app.close();
  await testDb?.drop();
});
beforeEach(() => {
  h.channelControl.reset();
  h.channelControl.forwardTo = undefined;
});

const gatewayChannel = (options: GatewayChannelOptions = {}) => addGatewayChannel(h, testDb.database.db, options);
const stream = (body: Record<string, unknown>) => h.call<{ Flv: string; Hls: string }>(h.alice, "POST", "/ivc/cms/control/stream", body);
const authorize = (direction: "push" | "pull", streamId: string) => bus.request(streamAuthorize, { clusterId: testNode.id }, { direction, app: "live", streamId }, { timeoutMs: 2000 });

describe("control/stream for gateway channels", () => {
  it("answers FLV and HLS URLs of stream <channel code> steered to the box with gw", async () => {
    const c = await gatewayChannel();
    const { env } = await stream({ ChannelId: c.channelId });
    expect(env).toMatchObject({ Code: 0, StatusCode: 200 });
    const base = `http://${testNode.mediaHost}:${testNode.mediaHttpPort}`;
    expect(env.Data).toEqual({ Flv: `${base}/live/${c.channelCode}.live.flv?gw=${c.gwId}`, Hls: `${base}/hls/${c.channelCode}/index.m3u8?gw=${c.gwId}` });
  });

  it("signs the URLs like GB ones when PullState is 1", async () => {
    const c = await gatewayChannel();
    await h.setStreamAuth(h.alice, { PullState: 1, PullSecret: "pull7", PullExpired: 5 });
    const { env } = await stream({ ChannelId: c.channelId });
    await h.setStreamAuth(h.alice, {});
    const flv = new URL(env.Data.Flv);
    expect(flv.searchParams.get("gw")).toBe(c.gwId);
    expect(verifyStreamSignature(`/live/${c.channelCode}`, flv.searchParams, "pull7", Math.floor(Date.now() / 1000)).ok).toBe(true);
  });

  it("refuses with 41617 while the gateway is offline, and 41634 for an offline channel", async () => {
    expect((await stream({ ChannelId: (await gatewayChannel({ gatewayOnline: false })).channelId })).env).toMatchObject({ Code: 500, StatusCode: 41617 });
    expect((await stream({ ChannelId: (await gatewayChannel({ channelOnline: false })).channelId })).env).toMatchObject({ Code: 500, StatusCode: 41634 });
  });

  it("needs the ChannelId of a gateway device (40001)", async () => {
    const c = await gatewayChannel();
    expect((await stream({ DeviceId: c.deviceId })).env).toMatchObject({ StatusCode: 40001 });
  });
});

describe("api.stream.authorize for a gateway channel", () => {
  it("answers a push with accessProtocol 3, the box's GwId and the gateway's own push secret, always required", async () => {
    const c = await gatewayChannel();
    const reply = await authorize("push", c.channelCode);
    const tokenHash = createHash("sha256").update(c.token).digest("hex");
    expect(reply).toEqual({ exists: true, enabled: true, deviceId: c.deviceCode, accessProtocol: 3, secretRequired: true, secret: gatewayPushSecret(tokenHash), gwId: c.gwId });
    expect(reply.secret).not.toBe(c.token);
    expect(reply.secret).not.toBe(tokenHash);
    const other = await gatewayChannel();
    expect((await authorize("push", other.channelCode)).secret).not.toBe(reply.secret);
  });

  it("forgets the channel and its secret once the gateway is deleted", async () => {
    const c = await gatewayChannel();
    expect((await h.call(h.alice, "DELETE", `/ivc/cms/gateway/delete?Id=${c.gatewayId}`)).env).toMatchObject({ StatusCode: 200 });
    expect(await authorize("push", c.channelCode)).toEqual({ exists: false, enabled: false, secretRequired: false });
  });

  it("answers a push of a disabled gateway device as not enabled, and pulls by the account's pull policy", async () => {
    const c = await gatewayChannel();
    await h.call(h.alice, "PUT", "/ivc/cms/device/updatestatus", { Id: c.deviceId, Status: 3 });
    expect(await authorize("push", c.channelCode)).toMatchObject({ exists: true, enabled: false, accessProtocol: 3 });
    expect(await authorize("pull", c.channelCode)).toMatchObject({ exists: true, enabled: false, accessProtocol: 3, secretRequired: false });
  });
});

describe("PTZ routes for gateway channels", () => {
  const ptz = (body: Record<string, unknown>) => h.call(h.alice, "POST", "/ivc/cms/control/ptz", body);

  it("hands the control the channel with its box", async () => {
    const c = await gatewayChannel();
    expect((await ptz({ ChannelId: c.channelId, Type: "up", Speed: 2 })).env).toMatchObject({ StatusCode: 200 });
    expect(h.channelControl.calls).toEqual([
      { op: "ptz", target: { clusterId: testNode.id, deviceCode: c.deviceCode, channelCode: c.channelCode, gwId: c.gwId }, action: "up", speed: 2 },
    ]);
  });

  it("refuses a channel without ONVIF PTZ (40003), an offline gateway (41617) and device recordings (40002)", async () => {
    expect((await ptz({ ChannelId: (await gatewayChannel({ ptz: false })).channelId, Type: "up" })).env).toMatchObject({ StatusCode: 40003 });
    expect((await ptz({ ChannelId: (await gatewayChannel({ gatewayOnline: false })).channelId, Type: "up" })).env).toMatchObject({ StatusCode: 41617 });
    const c = await gatewayChannel();
    const records = await h.call(h.alice, "POST", "/ivc/cms/control/timeline", { ChannelId: c.channelId, Start: 1_700_000_000, End: 1_700_003_600 });
    expect(records.env).toMatchObject({ StatusCode: 40002 });
    expect(h.channelControl.calls).toEqual([]);
  });
});

describe("PTZ and presets of gateway channels over the bus", () => {
  type PtzRequest = ReturnType<typeof gatewayPtz.request.parse>;
  let asked: PtzRequest[] = [];
  let presets: Array<{ token: string; name: string }> = [];
  let box: { unsubscribe(): void } | undefined;

  beforeEach(() => {
    asked = [];
    h.channelControl.forwardTo = createNatsChannelControl(bus);
  });
  afterAll(() => box?.unsubscribe());

  /** The stand-in box of `gwId` answering `gw.ptz` with `answer`, every request recorded. */
  async function serveBox(gwId: string, answer: (req: PtzRequest) => ReturnType<typeof gatewayPtz.reply.parse>): Promise<void> {
    box?.unsubscribe();
    box = bus.reply(gatewayPtz, { gwId }, (req) => {
      asked.push(req);
      return answer(req);
    });
    await nc.flush();
  }

  it("moves with ContinuousMove velocities scaled from Speed, as a 500 ms pulse", async () => {
    const c = await gatewayChannel();
    await serveBox(c.gwId, () => ({ done: true }));
    expect((await h.call(h.alice, "POST", "/ivc/cms/control/ptz", { ChannelId: c.channelId, Type: "leftdown", Speed: 6 })).env).toMatchObject({ StatusCode: 200 });
    expect(asked).toEqual([{ action: "move", channelId: c.channelCode, pan: -0.75, tilt: -0.75, zoom: 0, timeoutMs: 500 }]);
    const focus = await h.call(h.alice, "POST", "/ivc/cms/control/ptz", { ChannelId: c.channelId, Type: "focusfar" });
    expect(focus.env).toMatchObject({ StatusCode: 40003 });
    expect(asked).toHaveLength(1);
  });

  it("sets Index n as a preset named n, goes there by its token, lists it, and deletes it", async () => {
    const c = await gatewayChannel();
    presets = [{ token: "1", name: "door" }];
    await serveBox(c.gwId, (req) => {
      if (req.action === "preset-list") return { done: true, presets };
      if (req.action === "preset-set") {
        const token = req.presetToken ?? `t${presets.length + 1}`;
        presets = [...presets.filter((p) => p.token !== token), { token, name: req.presetName ?? "" }];
        return { done: true, presetToken: token };
      }
      if (req.action === "preset-remove") presets = presets.filter((p) => p.token !== req.presetToken);
      return { done: true };
    });
    const mange = (Cmd: string, Index: number) => h.call(h.alice, "POST", "/ivc/cms/control/preset/mange", { ChannelId: c.channelId, Cmd, Index });
    expect((await mange("set", 4)).env).toMatchObject({ StatusCode: 200 });
    expect(asked.at(-1)).toEqual({ action: "preset-set", channelId: c.channelCode, presetName: "4" });
    expect((await mange("goto", 4)).env).toMatchObject({ StatusCode: 200 });
    expect(asked.at(-1)).toEqual({ action: "preset-goto", channelId: c.channelCode, presetToken: "t2" });
    // Setting an index again moves the existing preset (same token) instead of adding one.
    expect((await mange("set", 1)).env).toMatchObject({ StatusCode: 200 });
    expect(asked.at(-1)).toEqual({ action: "preset-set", channelId: c.channelCode, presetToken: "1", presetName: "door" });
    const listed = await h.call(h.alice, "POST", "/ivc/cms/control/preset/get", { ChannelId: c.channelId });
    expect(listed.env.Data).toEqual([
      { Index: 1, Name: "door" },
      { Index: 4, Name: "4" },
    ]);
    expect((await mange("del", 4)).env).toMatchObject({ StatusCode: 200 });
    expect(asked.at(-1)).toEqual({ action: "preset-remove", channelId: c.channelCode, presetToken: "t2" });
    expect((await mange("del", 4)).env).toMatchObject({ StatusCode: 200 });
    expect((await mange("goto", 4)).env).toMatchObject({ StatusCode: 40001 });
  });

  it("reports the box's refusal as 51603 and a box nobody serves as offline (41617)", async () => {
    const c = await gatewayChannel();
    await serveBox(c.gwId, () => {
      throw new BusHandlerError("gateway_operation_failed", "camera fault");
    });
    expect((await h.call(h.alice, "POST", "/ivc/cms/control/ptz", { ChannelId: c.channelId, Type: "up" })).env).toMatchObject({ StatusCode: 51603 });
    box?.unsubscribe();
    await nc.flush();
    expect((await h.call(h.alice, "POST", "/ivc/cms/control/preset/get", { ChannelId: c.channelId })).env).toMatchObject({ StatusCode: 41617 });
  });
});
