import { describe, expect, it } from "vitest";
import { AuthFailureBackoff } from "../src/auth-backoff.js";

function clock(start = 0) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe("AuthFailureBackoff", () => {
  it("blocks an address at the fifth failure within the window and only that address", () => {
    const c = clock();
    const backoff = new AuthFailureBackoff(c, { maxFailures: 5, windowMs: 60_000, cooldownMs: 30_000 });
    for (let i = 0; i < 4; i++) expect(backoff.recordFailure("10.0.0.1")).toBe(false);
    expect(backoff.isBlocked("10.0.0.1")).toBe(false);
    expect(backoff.recordFailure("10.0.0.1")).toBe(true);
    expect(backoff.isBlocked("10.0.0.1")).toBe(true);
    expect(backoff.isBlocked("10.0.0.2")).toBe(false);
  });

  it("forgets failures older than the window", () => {
    const c = clock();
    const backoff = new AuthFailureBackoff(c, { maxFailures: 3, windowMs: 1000, cooldownMs: 1000 });
    backoff.recordFailure("a");
    backoff.recordFailure("a");
    c.t = 1500;
    expect(backoff.recordFailure("a")).toBe(false);
  });

  it("lifts the block after the cooldown", () => {
    const c = clock();
    const backoff = new AuthFailureBackoff(c, { maxFailures: 1, cooldownMs: 1000 });
    backoff.recordFailure("a");
    c.t = 999;
    expect(backoff.isBlocked("a")).toBe(true);
    c.t = 1000;
    expect(backoff.isBlocked("a")).toBe(false);
  });

  it("keeps at most maxTracked addresses", () => {
    const backoff = new AuthFailureBackoff(clock(), { maxFailures: 1, maxTracked: 2 });
    for (const address of ["a", "b", "c"]) backoff.recordFailure(address);
    expect(backoff.isBlocked("a")).toBe(false);
    expect(backoff.isBlocked("c")).toBe(true);
  });

  it("forgets addresses whose failures left the window and whose block ended", () => {
    const c = clock();
    const backoff = new AuthFailureBackoff(c, { maxFailures: 2, windowMs: 1000, cooldownMs: 5000 });
    backoff.recordFailure("counting");
    backoff.recordFailure("blocked");
    backoff.recordFailure("blocked");
    c.t = 1000;
    backoff.recordFailure("fresh");
    // "counting" is stale; "blocked" is still blocked.
    expect(backoff.size).toBe(2);
    expect(backoff.isBlocked("blocked")).toBe(true);
    c.t = 5000;
    expect(backoff.size).toBe(0);
  });
});
