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
    expect(failing.retained).toEqual({ credentials: 0, credentialFetches: 0 });
  });

  it("drops expired answers as new ones come in, so codes seen long ago are not kept", async () => {
    const { cache, clock } = setup([found("a")]);
    for (let i = 0; i < 5; i++) await cache.get(`3402000000132000000${i}`);
    clock.t = 1000;
    await cache.get("34020000001320000009");
    expect(cache.retained.credentials).toBe(1);
  });

  it("keeps a fetch started after an invalidation when the older one settles", async () => {
    const answers: Array<(reply: DeviceCredentialsReply) => void> = [];
    const cache = new DeviceCredentialsCache(() => new Promise((resolve) => answers.push(resolve)), { now: () => 0 });
    const older = cache.get(ID);
    cache.invalidate(ID);
    const newer = cache.get(ID);
    answers[0]?.(found("old"));
    await older;
    // The newer fetch is still the one in flight: no third request to the API.
    void cache.get(ID);
    expect(answers).toHaveLength(2);
    answers[1]?.(found("new"));
    expect(await newer).toMatchObject({ password: "new" });
    expect(await cache.get(ID)).toMatchObject({ password: "new" });
    expect(cache.retained).toEqual({ credentials: 1, credentialFetches: 0 });
  });
});
