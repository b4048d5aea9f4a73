import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { LeaseStore } from "../src/lease-store.js";

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
afterAll(() => redis.disconnect());

function store(prefix: string, owner: string, restMs = 400) {
  return new LeaseStore(redis, { prefix, ports: { first: 43000, last: 43002 }, domainPart: "20000", owner, ttlMs: 5000, restMs });
}

describe("LeaseStore", () => {
  it("never gives the same port or SSRC to two relays", async () => {
    const prefix = `ivc:media:test-${randomUUID()}`;
    const a = store(prefix, "relay-a");
    const b = store(prefix, "relay-b");
    const leases = await Promise.all([a.acquire("live"), b.acquire("live"), a.acquire("live"), b.acquire("playback")]);
    const granted = leases.filter((l) => l !== undefined);
    expect(granted).toHaveLength(3);
    expect(new Set(granted.map((l) => l.port)).size).toBe(3);
    expect(new Set(granted.map((l) => l.ssrc)).size).toBe(3);
    expect(leases.filter((l) => l === undefined)).toHaveLength(1);
    for (const l of granted) await (l.ssrc === leases[0]?.ssrc || l.ssrc === leases[2]?.ssrc ? a : b).release(l, 0);
  });

  it("lets a released port rest before handing it out again, and only the owner can refresh or release", async () => {
    const prefix = `ivc:media:test-${randomUUID()}`;
    const a = store(prefix, "relay-a");
    const b = store(prefix, "relay-b");
    const first = (await a.acquire("live"))!;
    expect(await b.refresh(first)).toBe(false);
    await b.release(first);
    const second = (await b.acquire("live"))!;
    const third = (await b.acquire("live"))!;
    expect(new Set([first.port, second.port, third.port]).size).toBe(3);
    await a.release(first);
    expect(await a.acquire("live")).toBeUndefined();
    await new Promise((r) => setTimeout(r, 500));
    expect((await a.acquire("live"))?.port).toBe(first.port);
    expect(await b.refresh(second)).toBe(true);
  });
});
