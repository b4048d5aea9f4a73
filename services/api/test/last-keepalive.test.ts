import { Bus, connectNats, deviceKeepalives } from "@ivc/bus";
import { createLogger } from "@ivc/runtime";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDeviceEventHandlers } from "../src/bus/device-events.js";
import type { DeviceEventHandlers } from "../src/bus/device-events.js";
import { createNatsDeviceControl } from "../src/bus/nats-device-control.js";
import { startPrivateNats } from "../../../test/support/private-nats.js";
import type { PrivateNats } from "../../../test/support/private-nats.js";
import { addGbChannel } from "./support/gb-channels.js";
import { createHarness, testNode } from "./support/harness.js";
import type { Harness } from "./support/harness.js";
import { createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";

// LastKeepaliveTime (extension): read from the device's sip-server over sip.device.keepalives, for online GB devices only.

interface ListedDevice {
  Id: string;
  Code: string;
  Status: number;
  LastKeepaliveTime: number;
}

let testDb: TestDatabase;
let h: Harness;
let events: DeviceEventHandlers;

const list = async () =>
  (await h.call<{ List: ListedDevice[] }>(h.alice, "GET", "/ivc/urm/resource/getUserResources?OrganizationId=0&IsContainSubLevel=true&PageSize=100")).env;
const describeDevice = async (id: string) => (await h.call<ListedDevice>(h.alice, "GET", `/ivc/cms/device/describe?Id=${id}`)).env;
const listed = async (id: string) => (await list()).Data.List.find((d) => d.Id === id);

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database);
  events = createDeviceEventHandlers(testDb.database.db);
});
afterAll(async () => {
  await h?.app.close();
  await testDb?.drop();
});
beforeEach(() => {
  h.control.keepaliveQuestions.length = 0;
  h.control.keepalives.clear();
});

describe("LastKeepaliveTime in the device list and describe", () => {
  it("is the sip-server's last keepalive in epoch seconds for an online GB device, 0 for offline, disabled and RTMP devices, which are not asked about", async () => {
    const online = await addGbChannel(h, events);
    const offline = await addGbChannel(h, events);
    await events.offline({ clusterId: testNode.id, deviceId: offline.deviceCode });
    const rtmp = (await h.call<{ Id: string; Code: string }>(h.alice, "POST", "/ivc/cms/device/add", { Name: "push", AccessProtocol: 1, Type: 1, OrganizationId: "0", ClusterId: testNode.id })).env.Data;
    const at = Date.UTC(2026, 11, 7, 8, 30, 15, 900);
    h.control.keepalives.set(online.deviceCode, at);
    h.control.keepalives.set(offline.deviceCode, at);
    h.control.keepalives.set(rtmp.Code, at);

    const page = await list();
    expect(page.StatusCode).toBe(200);
    const byId = new Map(page.Data.List.map((d) => [d.Id, d]));
    expect(byId.get(online.deviceId)).toMatchObject({ Status: 1, LastKeepaliveTime: Math.floor(at / 1000) });
    expect(byId.get(offline.deviceId)).toMatchObject({ Status: 2, LastKeepaliveTime: 0 });
    expect(byId.get(rtmp.Id)).toMatchObject({ LastKeepaliveTime: 0 });
    // One question for the page's node, naming the online GB device only.
    expect(h.control.keepaliveQuestions).toEqual([{ clusterId: testNode.id, codes: [online.deviceCode] }]);

    expect((await describeDevice(online.deviceId)).Data.LastKeepaliveTime).toBe(Math.floor(at / 1000));
    expect((await describeDevice(offline.deviceId)).Data.LastKeepaliveTime).toBe(0);

    await h.call(h.alice, "PUT", "/ivc/cms/device/updatestatus", { Id: online.deviceId, Status: 3 });
    h.control.keepaliveQuestions.length = 0;
    expect(await listed(online.deviceId)).toMatchObject({ Status: 3, LastKeepaliveTime: 0 });
    expect(h.control.keepaliveQuestions.flatMap((q) => q.codes)).not.toContain(online.deviceCode);
  });

  it("is 0 for an online device the sip-server does not know as registered", async () => {
    const device = await addGbChannel(h, events);
    expect(await listed(device.deviceId)).toMatchObject({ Status: 1, LastKeepaliveTime: 0 });
  });
});

describe("over NATS (sip.device.keepalives)", () => {
  let nats: PrivateNats;
  let nc: Awaited<ReturnType<typeof connectNats>>;
  let bus: Bus;

  beforeAll(async () => {
    const logger = createLogger("api-test", "silent");
    nats = await startPrivateNats(logger);
    nc = await connectNats({ url: nats.url, name: "api-keepalive-test", logger });
    bus = new Bus(nc, logger);
    h.control.forwardTo = createNatsDeviceControl(bus, logger);
  });
  afterAll(async () => {
    h.control.forwardTo = undefined;
    await nc?.drain();
    await nats?.stop();
  });

  it("shows what the node's sip-server answers, and the list still answers (0) when no sip-server does", async () => {
    const device = await addGbChannel(h, events);
    const at = Date.now() - 12_000;
    const asked: string[][] = [];
    const standIn = bus.reply(deviceKeepalives, { clusterId: testNode.id }, ({ deviceIds }) => {
      asked.push(deviceIds);
      return { devices: deviceIds.filter((id) => id === device.deviceCode).map((deviceId) => ({ deviceId, registeredAt: at - 60_000, lastKeepaliveAt: at })) };
    });
    await nc.flush();
    expect(await listed(device.deviceId)).toMatchObject({ LastKeepaliveTime: Math.floor(at / 1000) });
    expect(asked.at(-1)).toContain(device.deviceCode);
    expect((await describeDevice(device.deviceId)).Data.LastKeepaliveTime).toBe(Math.floor(at / 1000));

    standIn.unsubscribe();
    await nc.flush();
    const page = await list();
    expect(page.StatusCode).toBe(200);
    expect(page.Data.List.find((d) => d.Id === device.deviceId)).toMatchObject({ Status: 1, LastKeepaliveTime: 0 });
  });
});
