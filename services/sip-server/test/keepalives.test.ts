import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deviceKeepalives } from "@ivc/bus";
import { deviceCode, sleep, startHarness, type Harness } from "./support/harness.js";

// sip.device.keepalives: what the API's device list shows as the last keepalive, read from the registrations in Redis.
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ KEEPALIVE_INTERVAL: 500, KEEPALIVE_MISSES: 2 }, { scanIntervalMs: 100 });
});

afterAll(async () => {
  await h?.close();
});

const ask = (deviceIds: string[]) => h.bus.request(deviceKeepalives, { clusterId: h.clusterId }, { deviceIds });

describe("sip.device.keepalives", () => {
  it("answers when each registered device registered and last sent a keepalive, follows the keepalives, and leaves out devices that are not registered", async () => {
    const before = Date.now();
    const device = await h.registeredDevice({ keepaliveInterval: 0.2 });
    const stranger = deviceCode(h.domain, "132", 9_999_321);

    const first = await ask([device.deviceId, stranger]);
    expect(first.devices).toHaveLength(1);
    const [entry] = first.devices;
    expect(entry?.deviceId).toBe(device.deviceId);
    expect(entry?.registeredAt).toBeGreaterThanOrEqual(before);
    expect(entry?.lastKeepaliveAt).toBeGreaterThanOrEqual(entry?.registeredAt ?? Infinity);

    await sleep(700);
    const later = (await ask([device.deviceId])).devices[0];
    expect(later?.registeredAt).toBe(entry?.registeredAt);
    expect(later?.lastKeepaliveAt).toBeGreaterThan(entry?.lastKeepaliveAt ?? Infinity);
    expect(later?.lastKeepaliveAt).toBeLessThanOrEqual(Date.now());

    await device.stop();
    await h.waitForEvent("device.offline", device.deviceId);
    expect(await ask([device.deviceId])).toEqual({ devices: [] });
  });

  it("refuses more codes than a device page holds", async () => {
    const codes = Array.from({ length: 1001 }, (_, i) => deviceCode(h.domain, "132", 100_000 + i));
    await expect(ask(codes)).rejects.toThrow();
  });
});
