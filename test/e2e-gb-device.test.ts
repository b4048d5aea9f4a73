import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistrationError, VirtualDevice, type VirtualDeviceOptions } from "@ivc/device-sim";
import { startGateway, type RunningGateway } from "./support/gateway.js";

// Issue 4 end to end: the API, the sip-server and the virtual device, as `npm start` runs them.

interface DeviceData {
  Id: string;
  Code: string;
  Status: number;
  SipId: string;
  SipDomain: string;
  SipIp: string;
  SipPort: number;
  Password: string;
}

interface ChannelData {
  ChannelId: string;
  ChannelCode: string;
  Name: string;
  State: number;
}

const KEEPALIVE_SECONDS = 1;
const KEEPALIVE_MISSES = 3;
const Status = { Unregistered: 0, Online: 1, Offline: 2, Disabled: 3 } as const;

let gw: RunningGateway;
let clusterId: string;
let organizationId: string;
const devices: VirtualDevice[] = [];

beforeAll(async () => {
  gw = await startGateway({ KEEPALIVE_INTERVAL: String(KEEPALIVE_SECONDS), KEEPALIVE_MISSES: String(KEEPALIVE_MISSES) });
  const regions = await gw.call<Array<{ Value: string }>>("GET", "/ivc/cms/config/getuserregion");
  expect(regions.StatusCode, JSON.stringify(regions)).toBe(200);
  clusterId = regions.Data[0]!.Value;
  const org = await gw.call<{ Id: string }>("POST", "/ivc/cms/organization/add", { Name: "一号门店", ParentId: "0" });
  expect(org.StatusCode, JSON.stringify(org)).toBe(200);
  organizationId = org.Data.Id;
}, 180_000);

afterAll(async () => {
  await Promise.all(devices.map((d) => d.stop()));
  await gw?.stop();
}, 60_000);

async function addDevice(name: string, type: 1 | 2, password = "12345678"): Promise<DeviceData> {
  const added = await gw.call<DeviceData>("POST", "/ivc/cms/device/add", {
    Name: name,
    AccessProtocol: 2,
    Type: type,
    TransportProtocol: 1,
    Password: password,
    OrganizationId: organizationId,
    ClusterId: clusterId,
  });
  expect(added.StatusCode, JSON.stringify(added)).toBe(200);
  const described = await gw.call<DeviceData>("GET", `/ivc/cms/device/describe?Id=${added.Data.Id}`);
  expect(described.StatusCode, JSON.stringify(described)).toBe(200);
  return described.Data;
}

/** A virtual device configured exactly from what describe told the user to enter on the camera. */
function simFor(d: DeviceData, extra: Partial<VirtualDeviceOptions> = {}): VirtualDevice {
  const sim = new VirtualDevice({
    deviceId: d.Code,
    password: d.Password,
    serverHost: d.SipIp,
    serverPort: d.SipPort,
    serverId: d.SipId,
    domain: d.SipDomain,
    localHost: "127.0.0.1",
    keepaliveInterval: KEEPALIVE_SECONDS,
    ...extra,
  });
  devices.push(sim);
  return sim;
}

async function deviceStatus(id: string): Promise<number> {
  return (await gw.call<DeviceData>("GET", `/ivc/cms/device/describe?Id=${id}`)).Data.Status;
}

async function channels(id: string): Promise<ChannelData[]> {
  const res = await gw.call<ChannelData[]>("GET", `/ivc/cms/device/channel?DeviceId=${id}`);
  expect(res.StatusCode, JSON.stringify(res)).toBe(200);
  return res.Data;
}

describe("a GB28181 device added through the API", () => {
  it("registers with the settings describe gives, and the API shows it online with its channels", async () => {
    const d = await addDevice("前门摄像头", 1);
    expect(d.SipId).toBe("34020000002000000001");
    expect(d.SipPort).toBe(gw.sipPort);
    expect(d.Status).toBe(Status.Unregistered);
    const sim = simFor(d, { channels: 1, channelNames: ["前门"] });
    await sim.start();
    await expect.poll(() => deviceStatus(d.Id), { timeout: 10_000 }).toBe(Status.Online);
    await expect.poll(async () => (await channels(d.Id)).map((c) => c.Name), { timeout: 15_000 }).toEqual(["前门"]);
  });

  it("goes offline when its keepalives stop, within the configured misses", async () => {
    const d = await addDevice("后门摄像头", 1);
    const sim = simFor(d, { keepaliveInterval: false });
    await sim.start();
    await expect.poll(() => deviceStatus(d.Id), { timeout: 10_000 }).toBe(Status.Online);
    const silentSince = Date.now();
    await expect.poll(() => deviceStatus(d.Id), { timeout: 15_000, interval: 200 }).toBe(Status.Offline);
    // Offline after KEEPALIVE_MISSES intervals (plus the deadline scan's tick), not before.
    expect(Date.now() - silentSince).toBeGreaterThanOrEqual((KEEPALIVE_MISSES - 1) * KEEPALIVE_SECONDS * 1000);
  });

  it("is refused with a wrong password", async () => {
    const d = await addDevice("错密码", 1);
    const sim = simFor(d, { wrongPassword: true });
    const err = await sim.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistrationError);
    expect((err as RegistrationError).status).toBe(403);
    expect(await deviceStatus(d.Id)).toBe(Status.Unregistered);
  });

  it("is refused while disabled, and admitted again once enabled", async () => {
    const d = await addDevice("禁用设备", 1);
    const disabled = await gw.call("PUT", `/ivc/cms/device/updatestatus?Id=${d.Id}`, { Id: d.Id, Status: 3 });
    expect(disabled.StatusCode, JSON.stringify(disabled)).toBe(200);
    const sim = simFor(d);
    const err = await sim.start().catch((e: unknown) => e);
    expect((err as RegistrationError).status).toBe(403);
    expect(await deviceStatus(d.Id)).toBe(Status.Disabled);

    const enabled = await gw.call("PUT", `/ivc/cms/device/updatestatus?Id=${d.Id}`, { Id: d.Id, Status: 2 });
    expect(enabled.StatusCode).toBe(200);
    // The change reaches signaling as an event, a moment after the API answers; like a real camera,
    // the device registers again after a refusal.
    await expect
      .poll(async () => simFor(d).start().then(() => "registered", (e: unknown) => String(e)), { timeout: 10_000, interval: 500 })
      .toBe("registered");
    await expect.poll(() => deviceStatus(d.Id), { timeout: 10_000 }).toBe(Status.Online);
  });

  it("an NVR with 300 channels arrives whole, GB2312 names intact", async () => {
    const d = await addDevice("录像机", 2);
    const names = Array.from({ length: 300 }, (_, i) => `大厅通道${i + 1}`);
    const sim = simFor(d, { kind: "nvr", channels: 300, channelNames: names, catalogPage: 4, charset: "GB2312" });
    await sim.start();
    await expect.poll(async () => (await channels(d.Id)).length, { timeout: 30_000, interval: 500 }).toBe(300);
    const got = (await channels(d.Id)).map((c) => c.Name).sort();
    expect(got).toEqual([...names].sort());
  });
});
