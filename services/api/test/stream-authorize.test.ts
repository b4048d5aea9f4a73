import { randomInt, randomUUID } from "node:crypto";
import { Bus, connectNats, rtmpPushEnded, rtmpPushStarted, streamAuthorize } from "@ivc/bus";
import { createLogger } from "@ivc/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeviceEventHandlers } from "../src/bus/device-events.js";
import { subscribeDeviceEvents } from "../src/bus/subscriptions.js";
import { ensureServiceNode } from "../src/store/service-nodes.js";
import { createHarness, testNode } from "./support/harness.js";
import type { Harness } from "./support/harness.js";
import { startPrivateNats } from "../../../test/support/private-nats.js";
import type { PrivateNats } from "../../../test/support/private-nats.js";
import { createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";

// media-relay's questions over a real nats-server of this file's own (support/nats.ts says why),
// answered by the API's subscriptions on this test's database.

let testDb: TestDatabase;
let h: Harness;
let nats: PrivateNats;
let nc: Awaited<ReturnType<typeof connectNats>>;
let bus: Bus;
let subscriptions: Array<{ unsubscribe(): void }>;
const node = { ...testNode, id: randomUUID(), sipDomain: "3301000000" };

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database);
  await ensureServiceNode(testDb.database.db, node);
  const logger = createLogger("api-test", "silent");
  nats = await startPrivateNats(logger);
  nc = await connectNats({ url: nats.url, name: "api-stream-authorize-test", logger });
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

interface Added {
  Id: string;
  Code: string;
}

async function addDevice(key: Harness["alice"], fields: Record<string, unknown>): Promise<Added> {
  const body = { Name: "cam", Type: 1, OrganizationId: "0", ClusterId: node.id, Password: "12345678", ...fields };
  return (await h.call<Added>(key, "POST", "/ivc/cms/device/add", body)).env.Data;
}

const authorize = (direction: "push" | "pull", streamId: string, app = "live", deviceId?: string) =>
  bus.request(streamAuthorize, { clusterId: node.id }, { direction, app, streamId, ...(deviceId !== undefined ? { deviceId } : {}) }, { timeoutMs: 2000 });
const channelCode = () => `${node.sipDomain}131${String(randomInt(0, 10_000_000)).padStart(7, "0")}`;

async function gbChannel(key: Harness["alice"], code: string) {
  const device = await addDevice(key, { AccessProtocol: 2 });
  await createDeviceEventHandlers(testDb.database.db).catalog({ clusterId: node.id, deviceId: device.Code, channels: [{ channelId: code, name: "c", online: true }] });
  return device;
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("condition not met within 2 s");
}

describe("api.stream.authorize: push", () => {
  it("answers an RTMP device as existing and enabled, with the account's push secret once push auth is on", async () => {
    const device = await addDevice(h.alice, { AccessProtocol: 1 });
    expect(await authorize("push", device.Code)).toEqual({ exists: true, enabled: true, deviceId: device.Code, accessProtocol: 1, secretRequired: false });
    await h.setStreamAuth(h.alice, { PushState: 1, PushSecret: "push7", PushExpired: 5 });
    expect(await authorize("push", device.Code)).toMatchObject({ exists: true, secretRequired: true, secret: "push7" });
    await h.setStreamAuth(h.alice, {});
  });

  it("answers a disabled device as not enabled, a GB device with its access protocol, and unknown codes or apps as not existing", async () => {
    const rtmp = await addDevice(h.alice, { AccessProtocol: 1 });
    await h.call(h.alice, "PUT", "/ivc/cms/device/updatestatus", { Id: rtmp.Id, Status: 3 });
    expect(await authorize("push", rtmp.Code)).toMatchObject({ exists: true, enabled: false });
    const gb = await addDevice(h.alice, { AccessProtocol: 2 });
    expect(await authorize("push", gb.Code)).toMatchObject({ exists: true, accessProtocol: 2 });
    expect(await authorize("push", `${node.sipDomain}1329999999`)).toEqual({ exists: false, enabled: false, secretRequired: false });
    expect(await authorize("push", rtmp.Code, "other")).toMatchObject({ exists: false });
  });
});

describe("api.stream.authorize: pull", () => {
  it("answers a GB channel (live or @session playback) with its device and the owner's pull secret", async () => {
    const code = channelCode();
    const device = await gbChannel(h.alice, code);
    expect(await authorize("pull", code)).toEqual({ exists: true, enabled: true, deviceId: device.Code, accessProtocol: 2, secretRequired: false });
    await h.setStreamAuth(h.alice, { PullState: 1, PullSecret: "pullA", PullExpired: 5 });
    await h.setStreamAuth(h.bob, { PullState: 1, PullSecret: "pullB", PullExpired: 5 });
    expect(await authorize("pull", code)).toMatchObject({ exists: true, secretRequired: true, secret: "pullA", signWindowSeconds: 300 });
    expect(await authorize("pull", `${device.Code}_${code}`)).toMatchObject({ exists: true, deviceId: device.Code, secret: "pullA" });
    expect(await authorize("pull", `${device.Code}_${code}_sub`)).toMatchObject({ exists: true, deviceId: device.Code, secret: "pullA" });
    expect(await authorize("pull", `${code}@${randomUUID()}`)).toMatchObject({ deviceId: device.Code, secret: "pullA" });
    expect(await authorize("pull", `${code}@${randomUUID()}`, "live", device.Code)).toMatchObject({ deviceId: device.Code, secret: "pullA" });
    await h.setStreamAuth(h.alice, {});
    await h.setStreamAuth(h.bob, {});
  });

  it("answers an RTMP device's stream, and an unknown stream as not existing", async () => {
    const rtmp = await addDevice(h.alice, { AccessProtocol: 1 });
    expect(await authorize("pull", rtmp.Code)).toMatchObject({ exists: true, enabled: true, deviceId: rtmp.Code, accessProtocol: 1 });
    expect(await authorize("pull", channelCode())).toEqual({ exists: false, enabled: false, secretRequired: false });
  });

  it("answers a channel code that devices of two accounts share for the named device only: the bare code is ambiguous", async () => {
    const code = channelCode();
    const alices = await gbChannel(h.alice, code);
    expect(await authorize("pull", code)).toMatchObject({ exists: true, enabled: true });
    const bobs = await gbChannel(h.bob, code);
    await h.setStreamAuth(h.alice, { PullState: 1, PullSecret: "pullA", PullExpired: 5 });
    expect(await authorize("pull", code)).toEqual({ exists: true, enabled: false, secretRequired: false, ambiguous: true });
    // Each device's channel is answered with its own account's policy: Bob's URL cannot name Alice's camera under Bob's rules.
    expect(await authorize("pull", `${alices.Code}_${code}`)).toMatchObject({ exists: true, enabled: true, deviceId: alices.Code, secretRequired: true, secret: "pullA" });
    expect(await authorize("pull", `${bobs.Code}_${code}`)).toEqual({ exists: true, enabled: true, deviceId: bobs.Code, accessProtocol: 2, secretRequired: false });
    expect(await authorize("pull", code, "live", alices.Code)).toMatchObject({ deviceId: alices.Code, secretRequired: true });
    // A path naming one device and ?device= another is nobody's stream.
    expect(await authorize("pull", `${bobs.Code}_${code}`, "live", alices.Code)).toMatchObject({ exists: false });
    await h.setStreamAuth(h.alice, {});
  });

  it("answers a device's own code, or a channel its catalog never reported, as unknown even with ?device=", async () => {
    const code = channelCode();
    const device = await gbChannel(h.alice, code);
    expect(await authorize("pull", device.Code)).toMatchObject({ exists: false });
    expect(await authorize("pull", `${device.Code}_${device.Code}`)).toMatchObject({ exists: false });
    const unreported = channelCode();
    expect(await authorize("pull", unreported, "live", device.Code)).toMatchObject({ exists: false });
    expect(await authorize("pull", `${device.Code}_${unreported}`)).toMatchObject({ exists: false });
  });
});

describe("RTMP push events", () => {
  it("set an RTMP device online while it pushes and offline when it stops", async () => {
    const device = await addDevice(h.alice, { AccessProtocol: 1 });
    const status = async () => (await h.call<{ Status: number }>(h.alice, "GET", `/ivc/cms/device/describe?Id=${device.Id}`)).env.Data.Status;
    const event = { clusterId: node.id, app: "live", streamId: device.Code, deviceId: device.Code };
    bus.publish(rtmpPushStarted, { ...event, remoteAddress: "192.0.2.50", at: Date.now() });
    await until(async () => (await status()) === 1);
    bus.publish(rtmpPushEnded, { ...event, reason: "publisher left", at: Date.now() });
    await until(async () => (await status()) === 2);
  });

  it("leave GB devices and other nodes' devices alone", async () => {
    const gb = await addDevice(h.alice, { AccessProtocol: 2 });
    const rtmp = await addDevice(h.alice, { AccessProtocol: 1 });
    const handlers = createDeviceEventHandlers(testDb.database.db);
    await handlers.rtmpPush({ clusterId: node.id, app: "live", streamId: gb.Code }, true);
    await handlers.rtmpPush({ clusterId: testNode.id, app: "live", streamId: rtmp.Code }, true);
    await handlers.rtmpPush({ clusterId: node.id, app: "other", streamId: rtmp.Code }, true);
    for (const d of [gb, rtmp]) {
      expect((await h.call<{ Status: number }>(h.alice, "GET", `/ivc/cms/device/describe?Id=${d.Id}`)).env.Data.Status).toBe(0);
    }
  });
});
