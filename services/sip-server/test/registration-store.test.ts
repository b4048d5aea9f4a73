import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistrationStore, type Registration } from "../src/registration-store.js";

const WINDOW_MS = 3000;
let redis: Redis;
let namespace: string;
let store: RegistrationStore;

function registration(deviceId: string, now: number, overrides: Partial<Registration> = {}): Registration {
  return {
    deviceId,
    transport: "udp",
    address: "10.0.0.7",
    port: 5060,
    contact: `sip:${deviceId}@192.168.1.64:5060`,
    callId: "call-1",
    expiresSeconds: 3600,
    expiresAt: now + 3_600_000,
    registeredAt: now,
    lastKeepaliveAt: now,
    charset: "GB2312",
    ...overrides,
  };
}

beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  namespace = randomUUID();
  store = new RegistrationStore(redis, namespace, WINDOW_MS);
});

afterAll(async () => {
  const keys = await redis.keys(`ivc:sip:${namespace}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe("RegistrationStore", () => {
  it("round-trips a registration", async () => {
    const r = registration("34020000001320000001", 1_000_000);
    await store.save(r);
    expect(await store.get(r.deviceId)).toEqual(r);
    expect(await store.exists(r.deviceId)).toBe(true);
  });

  it("hands each expired deadline to exactly one of several concurrent scanners", async () => {
    const now = 2_000_000;
    const ids = Array.from({ length: 50 }, (_, i) => `3402000000132${String(100 + i).padStart(7, "0")}`);
    for (const id of ids) await store.save(registration(id, now - WINDOW_MS - 10));
    const takes = await Promise.all(Array.from({ length: 4 }, () => store.takeExpired(now)));
    const taken = takes.flat().map((t) => t.deviceId).filter((id) => ids.includes(id));
    expect(taken.sort()).toEqual([...ids].sort());
    expect(await store.exists(ids[0] ?? "")).toBe(false);
  });

  it("names the reason: keepalive-timeout before expiry, registration-expired after", async () => {
    const now = 3_000_000;
    await store.save(registration("34020000001320000201", now - WINDOW_MS - 1));
    await store.save(registration("34020000001320000202", now - 1000, { expiresAt: now - 1 }));
    const expired = await store.takeExpired(now);
    expect(expired).toEqual(
      expect.arrayContaining([
        { deviceId: "34020000001320000201", reason: "keepalive-timeout" },
        { deviceId: "34020000001320000202", reason: "registration-expired" },
      ]),
    );
  });

  it("moves the deadline on a keepalive from the registered source, and refuses keepalives of unknown devices", async () => {
    const now = 4_000_000;
    const id = "34020000001320000301";
    await store.save(registration(id, now));
    const source = { protocol: "udp" as const, address: "10.0.0.7", port: 5060 };
    expect(await store.refreshKeepalive(id, now + 2500, "UTF-8", source)).toBe("refreshed");
    expect(await store.takeExpired(now + WINDOW_MS + 100)).toEqual([]);
    expect(await store.get(id)).toMatchObject({ charset: "UTF-8", lastKeepaliveAt: now + 2500 });
    expect(await store.refreshKeepalive("34020000001320000399", now, "GB2312", source)).toBe("unregistered");
    expect(await store.exists("34020000001320000399")).toBe(false);
  });

  it("changes nothing on a keepalive from another port, address or transport", async () => {
    const now = 4_100_000;
    const id = "34020000001320000302";
    await store.save(registration(id, now));
    for (const elsewhere of [
      { protocol: "udp" as const, address: "10.0.0.7", port: 5061 },
      { protocol: "udp" as const, address: "10.0.0.8", port: 5060 },
      { protocol: "tcp" as const, address: "10.0.0.7", port: 5060 },
    ]) {
      expect(await store.refreshKeepalive(id, now + 2500, "UTF-8", elsewhere)).toBe("wrong-source");
    }
    expect(await store.get(id)).toMatchObject({ charset: "GB2312", lastKeepaliveAt: now, address: "10.0.0.7", port: 5060, transport: "udp" });
    expect(await store.boundSource(id)).toEqual({ protocol: "udp", address: "10.0.0.7", port: 5060 });
    expect(await store.boundSource("34020000001320000399")).toBeUndefined();
  });

  it("re-arms overdue keepalive deadlines of still-valid registrations after an outage", async () => {
    const now = 5_000_000;
    const id = "34020000001320000401";
    await store.save(registration(id, now - 60_000));
    expect(await store.rearmOverdue(now)).toBeGreaterThanOrEqual(1);
    expect((await store.takeExpired(now + WINDOW_MS - 1)).map((e) => e.deviceId)).not.toContain(id);
    expect((await store.takeExpired(now + WINDOW_MS)).map((e) => e.deviceId)).toContain(id);
  });

  it("reports removal to one caller only", async () => {
    const id = "34020000001320000501";
    await store.save(registration(id, 6_000_000));
    expect(await Promise.all([store.remove(id), store.remove(id)])).toEqual(expect.arrayContaining([true, false]));
  });

  it("counts SNs in the registration: kept across a refresh, gone with the registration", async () => {
    const r = registration("34020000001320000301", 5_000_000);
    await store.save(r);
    expect([await store.nextSn(r.deviceId), await store.nextSn(r.deviceId)]).toEqual([1, 2]);
    await store.save({ ...r, lastKeepaliveAt: r.lastKeepaliveAt + 1000 });
    expect(await store.nextSn(r.deviceId)).toBe(3);
    await store.remove(r.deviceId);
    expect(await store.nextSn(r.deviceId)).toBeUndefined();
    expect(await redis.keys(`ivc:sip:${namespace}:*${r.deviceId}*`)).toEqual([]);
  });
});
