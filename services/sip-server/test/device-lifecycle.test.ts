import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deviceChanged } from "@ivc/bus";
import type { VirtualDevice } from "@ivc/device-sim";
import { sleep, startHarness, type Harness } from "./support/harness.js";

// What a device leaves behind in the server once it is gone, whichever way it went: nothing. The
// bench (bench/sip/churn.mjs) measures the same over thousands of devices.
let h: Harness;

/** Every Redis key of the cluster naming the device, and the channels still said to be its. */
async function leftovers(deviceId: string): Promise<string[]> {
  const prefix = `ivc:sip:${h.clusterId}:`;
  const keys = (await h.redis.keys(`${prefix}*${deviceId}*`)).map((key) => key.slice(prefix.length));
  const owners = await h.redis.hgetall(`${prefix}channel-owner`);
  return [...keys, ...Object.entries(owners).filter(([, owner]) => owner === deviceId).map(([channelId]) => `channel-owner ${channelId}`)];
}

/** Leftovers once they stop changing (forgetting runs just after device.offline), polled for up to 3 s. */
async function settledLeftovers(deviceId: string): Promise<string[]> {
  for (let tries = 0; ; tries++) {
    const left = await leftovers(deviceId);
    if (left.length === 0 || tries === 30) return left;
    await sleep(100);
  }
}

async function registeredNvr(keepaliveInterval: number | false): Promise<VirtualDevice> {
  const device = await h.registeredDevice({ channels: 3, keepaliveInterval });
  await h.waitForEvent("device.info", device.deviceId);
  // The queries drew SNs and the catalog filled the channel index: the device holds keys now.
  expect((await leftovers(device.deviceId)).length).toBeGreaterThan(1);
  return device;
}

beforeAll(async () => {
  h = await startHarness({ KEEPALIVE_INTERVAL: 500, KEEPALIVE_MISSES: 2 }, { scanIntervalMs: 100 });
});

afterAll(async () => {
  await h?.close();
});

describe("a device gone offline leaves nothing in Redis", () => {
  it("after unregistering", async () => {
    const device = await registeredNvr(0.2);
    await device.stop();
    expect((await h.waitForEvent("device.offline", device.deviceId)).payload).toMatchObject({ reason: "unregistered" });
    expect(await settledLeftovers(device.deviceId)).toEqual([]);
  });

  it("after its keepalives stopped", async () => {
    const device = await registeredNvr(false);
    expect((await h.waitForEvent("device.offline", device.deviceId)).payload).toMatchObject({ reason: "keepalive-timeout" });
    expect(await settledLeftovers(device.deviceId)).toEqual([]);
  });

  it("after the API deleted it", async () => {
    const device = await registeredNvr(0.2);
    h.devices.delete(device.deviceId);
    h.bus.publish(deviceChanged, { deviceId: device.deviceId, change: "deleted", at: Date.now() });
    expect((await h.waitForEvent("device.offline", device.deviceId)).payload).toMatchObject({ reason: "deleted" });
    expect(await settledLeftovers(device.deviceId)).toEqual([]);
  });
});
