import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelIndex } from "../src/channel-index.js";
import { RegistrationStore, type Registration } from "../src/registration-store.js";

let redis: Redis;
let namespace: string;
let store: RegistrationStore;
let channels: ChannelIndex;

const NVR = "34020000001180000001";
const OTHER = "34020000001180000002";
const channel = (n: number) => `3402000000131000000${n}`;

function registration(deviceId: string): Registration {
  const now = Date.now();
  return { deviceId, transport: "udp", address: "10.0.0.7", port: 5060, contact: "", callId: "c", expiresSeconds: 3600, expiresAt: now + 3_600_000, registeredAt: now, lastKeepaliveAt: now, charset: "GB2312" };
}

beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  namespace = randomUUID();
  store = new RegistrationStore(redis, namespace, 60_000);
  channels = new ChannelIndex(redis, namespace, store);
});

afterAll(async () => {
  const keys = await redis.keys(`ivc:sip:${namespace}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe("ChannelIndex", () => {
  it("forgets a device's channels when it goes, keeping those another device reported since", async () => {
    await Promise.all([store.save(registration(NVR)), store.save(registration(OTHER))]);
    await channels.record(NVR, [channel(1), channel(2), channel(3)]);
    await channels.record(OTHER, [channel(3)]);
    await channels.forget(NVR, channel(2));
    expect(await channels.owner(channel(1))).toBe(NVR);
    expect(await channels.owner(channel(2))).toBeNull();

    await channels.forgetDevice(NVR);
    expect(await Promise.all([1, 2, 3].map((n) => channels.owner(channel(n))))).toEqual([null, null, OTHER]);
    expect(await redis.keys(`ivc:sip:${namespace}:*${NVR}*`)).toEqual([`ivc:sip:${namespace}:reg:${NVR}`]);
  });

  it("records nothing for a device that is not registered (a catalog published after it went offline)", async () => {
    await store.remove(NVR);
    await channels.record(NVR, [channel(4)]);
    expect(await channels.owner(channel(4))).toBeNull();
    expect(await redis.keys(`ivc:sip:${namespace}:*${NVR}*`)).toEqual([]);
  });
});
