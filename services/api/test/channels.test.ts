import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deviceCredentials } from "../src/bus/device-credentials.js";
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

interface Channel {
  ChannelId: string;
  ChannelCode: string;
  DeviceId: string;
  Name: string;
  Status: number;
  PtzType: number;
  Manufacturer: string;
  Resolution: string;
  State: number;
}

async function addGb(overrides: Record<string, unknown> = {}) {
  const { env } = await h.call<{ Id: string; Code: string }>(h.alice, "POST", "/ivc/cms/device/add", {
    Name: "nvr",
    AccessProtocol: 2,
    Type: 2,
    OrganizationId: "0",
    ClusterId: testNode.id,
    Password: "12345678",
    ...overrides,
  });
  return env.Data;
}

const channels = (deviceId: string) => h.call<Channel[]>(h.alice, "GET", `/ivc/cms/device/channel?DeviceId=${deviceId}`);
const ref = (code: string) => ({ clusterId: testNode.id, deviceId: code });

describe("channels follow the sip-server's events", () => {
  it("stores a catalog, keeps channels the next catalog omits, and updates known ones", async () => {
    const device = await addGb();
    expect((await channels(device.Id)).env.Data).toEqual([]);
    await events.catalog({
      ...ref(device.Code),
      channels: [
        { channelId: "34020000001310000001", name: "门口", manufacturer: "Hikvision", online: true, ptzType: 1 },
        { channelId: "34020000001310000002", name: "后门", online: false, ptzType: 3 },
      ],
    });
    const first = (await channels(device.Id)).env.Data;
    expect(first).toEqual([
      {
        ChannelId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        ChannelCode: "34020000001310000001",
        DeviceId: device.Id,
        Name: "门口",
        Status: 0,
        PtzType: 1,
        Manufacturer: "Hikvision",
        Resolution: "",
        State: 1,
      },
      expect.objectContaining({ ChannelCode: "34020000001310000002", Name: "后门", PtzType: 0, State: 0, Manufacturer: "" }),
    ]);
    await events.catalog({ ...ref(device.Code), channels: [{ channelId: "34020000001310000002", name: "后门2", online: true }] });
    const second = (await channels(device.Id)).env.Data;
    expect(second.map((c) => [c.ChannelCode, c.Name, c.State])).toEqual([
      ["34020000001310000001", "门口", 1],
      ["34020000001310000002", "后门2", 1],
    ]);
    expect(second[0]?.ChannelId).toBe(first[0]?.ChannelId);
  });

  it("marks the device online and offline, taking channels offline with it", async () => {
    const device = await addGb();
    await events.catalog({ ...ref(device.Code), channels: [{ channelId: "34020000001310000009", name: "c", online: true }] });
    await events.online(ref(device.Code));
    const describe = () => h.call<{ Status: number; Manufacturer: string }>(h.alice, "GET", `/ivc/cms/device/describe?Id=${device.Id}`);
    expect((await describe()).env.Data.Status).toBe(1);
    await events.info({ ...ref(device.Code), manufacturer: "Dahua" });
    expect((await describe()).env.Data.Manufacturer).toBe("Dahua");
    await events.offline(ref(device.Code));
    expect((await describe()).env.Data.Status).toBe(2);
    expect((await channels(device.Id)).env.Data.map((c) => c.State)).toEqual([0]);
  });

  it("applies NOTIFY channel changes: ADD inserts, OFF and DEL mark offline, ON back online", async () => {
    const device = await addGb();
    const channel = { channelId: "34020000001310000100", name: "n", online: true };
    await events.channel({ ...ref(device.Code), event: "ADD", channel });
    expect((await channels(device.Id)).env.Data.map((c) => c.State)).toEqual([1]);
    await events.channel({ ...ref(device.Code), event: "OFF", channel });
    expect((await channels(device.Id)).env.Data.map((c) => c.State)).toEqual([0]);
    await events.channel({ ...ref(device.Code), event: "ON", channel });
    expect((await channels(device.Id)).env.Data.map((c) => c.State)).toEqual([1]);
    await events.channel({ ...ref(device.Code), event: "DEL", channel });
    expect((await channels(device.Id)).env.Data.map((c) => c.State)).toEqual([0]);
  });

  it("ignores events for codes it does not know or from another node", async () => {
    const device = await addGb();
    await events.online({ clusterId: "other-node", deviceId: device.Code });
    await events.online(ref("99999999999999999999"));
    const { env } = await h.call<{ Status: number }>(h.alice, "GET", `/ivc/cms/device/describe?Id=${device.Id}`);
    expect(env.Data.Status).toBe(0);
  });

  it("refuses the channel query of an unknown device with 42206", async () => {
    expect((await channels("00000000-0000-4000-8000-000000000000")).env.StatusCode).toBe(42206);
  });
});

describe("channel refresh", () => {
  const refresh = (deviceId: string) => h.call(h.alice, "POST", "/ivc/cms/device/refresh", { DeviceId: deviceId });

  it("asks the device's node to refresh the catalog when the device is online", async () => {
    const device = await addGb();
    await events.online(ref(device.Code));
    h.control.refreshAnswer = { ok: true };
    expect((await refresh(device.Id)).env).toMatchObject({ StatusCode: 200, Data: null });
    expect(h.control.refreshes.at(-1)).toEqual({ clusterId: testNode.id, code: device.Code });
  });

  it.each([
    ["timeout", 41637],
    ["no-responders", 51602],
    ["remote", 51602],
  ] as const)("maps a bus %s to %s", async (kind, code) => {
    const device = await addGb();
    await events.online(ref(device.Code));
    h.control.refreshAnswer = { ok: false, kind, detail: `bus said ${kind}` };
    const { env } = await refresh(device.Id);
    expect(env).toMatchObject({ Code: 500, StatusCode: code, Data: `bus said ${kind}` });
    h.control.refreshAnswer = { ok: true };
  });

  it("refuses unregistered (41628), offline (41617), disabled (41621) and RTMP (40002) devices", async () => {
    const device = await addGb();
    expect((await refresh(device.Id)).env.StatusCode).toBe(41628);
    await events.offline(ref(device.Code));
    expect((await refresh(device.Id)).env.StatusCode).toBe(41617);
    await h.call(h.alice, "PUT", "/ivc/cms/device/updatestatus", { Id: device.Id, Status: 3 });
    expect((await refresh(device.Id)).env.StatusCode).toBe(41621);
    const rtmp = await addGb({ AccessProtocol: 1, Type: 1 });
    expect((await refresh(rtmp.Id)).env.StatusCode).toBe(40002);
  });
});

describe("device credentials for the sip-server", () => {
  it("answers password, enabled flag, type and transport of a GB device, and found:false otherwise", async () => {
    const device = await addGb({ TransportProtocol: 2 });
    expect(await deviceCredentials(testDb.database.db, h.keyDeps.box, device.Code)).toEqual({
      found: true,
      clusterId: testNode.id,
      enabled: true,
      password: "12345678",
      deviceType: "NVR",
      transport: "tcp-passive",
    });
    await h.call(h.alice, "PUT", "/ivc/cms/device/updatestatus", { Id: device.Id, Status: 3 });
    expect(await deviceCredentials(testDb.database.db, h.keyDeps.box, device.Code)).toMatchObject({ enabled: false });
    const rtmp = await addGb({ AccessProtocol: 1, Type: 1 });
    expect(await deviceCredentials(testDb.database.db, h.keyDeps.box, rtmp.Code)).toEqual({ found: false });
    expect(await deviceCredentials(testDb.database.db, h.keyDeps.box, "34020000001329999999")).toEqual({ found: false });
  });
});
