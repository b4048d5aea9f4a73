import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelIndex, deviceOfChannel } from "../src/channel-index.js";
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

  it("refuses to pick a device for a channel code two registered devices report (factory default), and names each device's own", async () => {
    const factory = "34020000001310000001";
    const [a, b] = ["34020000001320000101", "34020000001320000202"];
    await Promise.all([store.save(registration(a)), store.save(registration(b))]);
    await channels.record(a, [factory]);
    expect(await deviceOfChannel(channels, undefined, factory)).toBe(a);
    await channels.record(b, [factory]);
    await expect(deviceOfChannel(channels, undefined, factory)).rejects.toMatchObject({ code: "ambiguous_channel" });
    expect(await deviceOfChannel(channels, a, factory)).toBe(a);
    await channels.forgetDevice(b);
    expect(await deviceOfChannel(channels, undefined, factory)).toBe(a);
    await channels.forget(a, factory);
    expect(await channels.reporters(factory)).toEqual([]);
  });

  it("records nothing for a device that is not registered (a catalog published after it went offline)", async () => {
    await store.remove(NVR);
    await channels.record(NVR, [channel(4)]);
    expect(await channels.owner(channel(4))).toBeNull();
    expect(await redis.keys(`ivc:sip:${namespace}:*${NVR}*`)).toEqual([]);
  });
});
