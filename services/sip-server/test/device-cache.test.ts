import { describe, expect, it } from "vitest";
import type { DeviceCredentialsReply } from "@ivc/bus";
import { DeviceCredentialsCache } from "../src/device-cache.js";

const ID = "34020000001320000001";
const found = (password: string): DeviceCredentialsReply => ({ found: true, clusterId: "c", enabled: true, password, deviceType: "IPC", transport: "udp" });

function setup(answers: DeviceCredentialsReply[]) {
  const c = { t: 0, now: () => c.t };
  let calls = 0;
  const cache = new DeviceCredentialsCache(
    async () => {
      const answer = answers[Math.min(calls, answers.length - 1)];
      calls++;
      if (!answer) throw new Error("no answer");
      return answer;
    },
    c,
    { ttlMs: 1000, negativeTtlMs: 100 },
  );
  return { cache, clock: c, calls: () => calls };
}

describe("DeviceCredentialsCache", () => {
  it("asks the API once for concurrent misses and serves hits from memory", async () => {
    const { cache, calls } = setup([found("a")]);
    await Promise.all([cache.get(ID), cache.get(ID), cache.get(ID)]);
    await cache.get(ID);
    expect(calls()).toBe(1);
  });

  it("asks again after invalidate()", async () => {
    const { cache, calls } = setup([found("a"), found("b")]);
    await cache.get(ID);
    cache.invalidate(ID);
    expect(await cache.get(ID)).toMatchObject({ password: "b" });
    expect(calls()).toBe(2);
  });

  it("remembers unknown codes for the shorter negative TTL", async () => {
    const { cache, clock, calls } = setup([{ found: false }, found("a")]);
    await cache.get(ID);
    clock.t = 99;
    expect(await cache.get(ID)).toEqual({ found: false });
    clock.t = 100;
    expect(await cache.get(ID)).toMatchObject({ found: true });
    expect(calls()).toBe(2);
  });

  it("does not store an answer fetched before an invalidation", async () => {
    const { cache, calls } = setup([found("old"), found("new")]);
    const pending = cache.get(ID);
    cache.invalidate(ID);
    await pending;
    expect(await cache.get(ID)).toMatchObject({ password: "new" });
    expect(calls()).toBe(2);
  });

  it("passes API failures to the caller without caching them", async () => {
    const failing = new DeviceCredentialsCache(() => Promise.reject(new Error("timeout")), { now: () => 0 });
    await expect(failing.get(ID)).rejects.toThrow("timeout");
    expect(failing.size).toBe(0);
  });
});
