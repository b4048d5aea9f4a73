import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BusError, deviceChanged, deviceInfoQuery, deviceStatusQuery } from "@ivc/bus";
import { RegistrationError, VirtualDevice, type VirtualDeviceOptions } from "@ivc/device-sim";
import { freePort } from "../../../test/support/ports.js";
import { deviceCode, SERVER_ID, sleep, startHarness, type Harness } from "./support/harness.js";

let h: Harness;
const started: VirtualDevice[] = [];
let sequence = 0;

function device(options: Omit<VirtualDeviceOptions, "serverHost" | "serverPort" | "serverId" | "domain" | "deviceId" | "password"> & { deviceId?: string; password?: string }) {
  const deviceId = options.deviceId ?? deviceCode(h.domain, (options.channels ?? 1) > 1 ? "118" : "132", ++sequence);
  const d = new VirtualDevice({
    serverHost: "127.0.0.1",
    serverPort: h.server.port,
    serverId: SERVER_ID,
    domain: h.domain,
    keepaliveInterval: 0.5,
    password: "pw",
    ...options,
    deviceId,
  });
  started.push(d);
  return d;
}

function knownDevice(options: Parameters<typeof device>[0] = {}, extra?: Parameters<Harness["addDevice"]>[2]) {
  const d = device(options);
  h.addDevice(d.deviceId, options.password ?? "pw", extra);
  return d;
}

async function startRefused(d: VirtualDevice): Promise<number> {
  try {
    await d.start();
  } catch (err) {
    if (err instanceof RegistrationError) return err.status;
    throw err;
  }
  throw new Error("REGISTER was accepted");
}

async function metricValue(name: string, labels: string): Promise<number> {
  const text = await h.metrics.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}`));
  return line ? Number(line.split(" ").pop()) : 0;
}

beforeAll(async () => {
  h = await startHarness({ KEEPALIVE_INTERVAL: 1000, KEEPALIVE_MISSES: 3, SIP_PORT: await freePort() });
});

afterAll(async () => {
  await Promise.all(started.map((d) => d.stop().catch(() => undefined)));
  await h?.close();
});

describe("REGISTER (GB/T 28181 §9.1)", () => {
  it("accepts the right password with 200 and publishes device.online, DeviceInfo and the catalog", async () => {
    const d = knownDevice({ password: "secret-1", manufacturer: "Hikvision", model: "DS-2CD", firmware: "V5.7" });
    await d.start();
    expect(d.registered).toBe(true);
    const online = await h.waitForEvent("device.online", d.deviceId);
    expect(online.payload).toMatchObject({ transport: "udp", remoteAddress: "127.0.0.1", remotePort: d.localPort, expiresSeconds: 3600 });
    const info = await h.waitForEvent("device.info", d.deviceId);
    expect(info.payload).toMatchObject({ manufacturer: "Hikvision", model: "DS-2CD", firmware: "V5.7" });
    const catalog = await h.waitForEvent("device.catalog", d.deviceId);
    expect(catalog.payload).toMatchObject({ partial: false, sumNum: 1 });
    expect(await metricValue("ivc_sip_register_total", 'result="registered"')).toBeGreaterThanOrEqual(1);
  });

  it("refuses a wrong password with 403", async () => {
    const d = knownDevice({ wrongPassword: true, localHost: "127.0.0.3" });
    expect(await startRefused(d)).toBe(403);
    expect(h.events.some((e) => e.deviceId === d.deviceId && e.name === "device.online")).toBe(false);
  });

  it("backs off an address after 5 wrong passwords: even the right one gets 403 there, other addresses are unaffected", async () => {
    const guesser = knownDevice({ wrongPassword: true, localHost: "127.0.0.2" });
    for (let i = 0; i < 5; i++) expect(await startRefused(guesser)).toBe(403);
    const honestSameAddress = knownDevice({ localHost: "127.0.0.2" });
    expect(await startRefused(honestSameAddress)).toBe(403);
    expect(await metricValue("ivc_sip_register_total", 'result="backed-off"')).toBeGreaterThanOrEqual(1);
    const honestElsewhere = knownDevice({ localHost: "127.0.0.1" });
    await honestElsewhere.start();
    expect(honestElsewhere.registered).toBe(true);
  });

  it("refuses a code the API does not know with 403", async () => {
    const d = device({});
    h.devices.set(d.deviceId, { found: false });
    expect(await startRefused(d)).toBe(403);
  });

  it("refuses a disabled device with 403", async () => {
    const d = knownDevice({}, { enabled: false });
    expect(await startRefused(d)).toBe(403);
    expect(await metricValue("ivc_sip_register_total", 'result="disabled"')).toBe(1);
  });

  it("answers 503 with Retry-After when the API does not answer", async () => {
    const d = device({});
    expect(await startRefused(d)).toBe(503);
    expect(await metricValue("ivc_sip_register_total", 'result="api-unreachable"')).toBe(1);
  });

  it("unregisters on Expires: 0 and publishes device.offline (unregistered)", async () => {
    const d = knownDevice();
    await d.start();
    await h.waitForEvent("device.online", d.deviceId);
    await d.stop();
    const offline = await h.waitForEvent("device.offline", d.deviceId);
    expect(offline.payload).toMatchObject({ reason: "unregistered" });
  });
});

describe("device changes from the API", () => {
  it("takes a registered device offline (disabled) when the API disables it, and refuses its next REGISTER", async () => {
    const d = knownDevice({ keepaliveInterval: false });
    await d.start();
    await h.waitForEvent("device.online", d.deviceId);
    h.addDevice(d.deviceId, "pw", { enabled: false });
    h.bus.publish(deviceChanged, { deviceId: d.deviceId, change: "upserted", at: Date.now() });
    const offline = await h.waitForEvent("device.offline", d.deviceId);
    expect(offline.payload).toMatchObject({ reason: "disabled" });
    await d.stop();
    expect(await startRefused(d)).toBe(403);
  });
});

describe("keepalive (GB/T 28181 §9.6)", () => {
  it("takes a silent device offline after KEEPALIVE_MISSES × KEEPALIVE_INTERVAL while a heartbeating one stays", async () => {
    const silent = knownDevice({ keepaliveInterval: false });
    const beating = knownDevice({ keepaliveInterval: 0.5 });
    await Promise.all([silent.start(), beating.start()]);
    const registeredAt = Date.now();
    const offline = await h.waitForEvent("device.offline", silent.deviceId, 6000);
    expect(offline.payload).toMatchObject({ reason: "keepalive-timeout" });
    const elapsed = offline.receivedAt - registeredAt;
    expect(elapsed).toBeGreaterThanOrEqual(2500);
    expect(elapsed).toBeLessThan(4800);
    expect(h.events.some((e) => e.deviceId === beating.deviceId && e.name === "device.offline")).toBe(false);
    expect(await metricValue("ivc_sip_keepalive_total", 'result="accepted"')).toBeGreaterThan(0);
    // Not registered any more: the keepalive is refused so the device registers again.
    expect(await silent.sendKeepalive()).toBe(403);
  });
});

describe("catalog", () => {
  it("assembles an NVR's 300 channels from many MESSAGEs into one device.catalog with GB2312 names intact", async () => {
    const names = Array.from({ length: 300 }, (_, i) => `北京市海淀区中关村大街${i + 1}号摄像机`);
    const nvr = knownDevice({ channels: 300, kind: "nvr", channelNames: names, charset: "GB2312", catalogPage: 4 });
    await nvr.start();
    const catalog = await h.waitForEvent("device.catalog", nvr.deviceId, 10_000);
    const channels = catalog.payload.channels as Array<{ channelId: string; name: string }>;
    expect(catalog.payload).toMatchObject({ sumNum: 300, partial: false });
    expect(channels).toHaveLength(300);
    expect(new Set(channels.map((c) => c.channelId)).size).toBe(300);
    expect(channels.map((c) => c.name).sort()).toEqual([...names].sort());
    expect(h.events.filter((e) => e.deviceId === nvr.deviceId && e.name === "device.catalog")).toHaveLength(1);
  });

  it("turns a catalog NOTIFY into device.channel events", async () => {
    const nvr = knownDevice({ channels: 4, kind: "nvr" });
    await nvr.start();
    await h.waitForEvent("device.catalog", nvr.deviceId);
    for (let i = 0; i < 100 && !nvr.journal.some((e) => e.method === "SUBSCRIBE"); i++) await sleep(20);
    const channel = nvr.channels[1];
    if (!channel) throw new Error("NVR has no second channel");
    expect(await nvr.notifyChannelChange(channel.id, "OFF")).toBe(200);
    const changed = await h.waitForEvent("device.channel", nvr.deviceId);
    expect(changed.payload).toMatchObject({ event: "OFF", channel: { channelId: channel.id, online: false } });
  });
});

describe("NATS request API", () => {
  it("answers deviceInfoQuery and deviceStatusQuery from the device", async () => {
    const d = knownDevice({ manufacturer: "Dahua", model: "IPC-HFW", firmware: "2.800" });
    await d.start();
    const info = await h.bus.request(deviceInfoQuery, { clusterId: h.clusterId }, { deviceId: d.deviceId });
    expect(info).toMatchObject({ manufacturer: "Dahua", model: "IPC-HFW", firmware: "2.800" });
    const status = await h.bus.request(deviceStatusQuery, { clusterId: h.clusterId }, { deviceId: d.deviceId });
    expect(status).toMatchObject({ online: true, statusOk: true });
  });

  it("fails with device_offline for a device that is not registered", async () => {
    const request = h.bus.request(deviceInfoQuery, { clusterId: h.clusterId }, { deviceId: deviceCode(h.domain, "132", 9_999_999) });
    await expect(request).rejects.toSatisfy((err: unknown) => err instanceof BusError && err.remoteCode === "device_offline");
  });
});

describe("restart", () => {
  it("keeps registrations in Redis across a stop and start of the server", async () => {
    const d = knownDevice({ keepaliveInterval: false });
    await d.start();
    await h.waitForEvent("device.online", d.deviceId);
    await h.restartServer();
    expect(await d.sendKeepalive()).toBe(200);
    const status = await h.bus.request(deviceStatusQuery, { clusterId: h.clusterId }, { deviceId: d.deviceId });
    expect(status.online).toBe(true);
    expect(h.events.filter((e) => e.deviceId === d.deviceId && e.name !== "device.online" && e.name !== "device.info" && e.name !== "device.catalog")).toEqual([]);
  });
});
