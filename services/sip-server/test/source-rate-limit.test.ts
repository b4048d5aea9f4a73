import { describe, expect, it } from "vitest";
import { SourceRateLimit } from "../src/source-rate-limit.js";

function clock(start = 0) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe("SourceRateLimit", () => {
  it("lets a burst through, then the rate, per address; an empty bucket of one address does not touch another", () => {
    const c = clock();
    const limit = new SourceRateLimit(c, { ratePerSecond: 10, burst: 5 });
    const taken = Array.from({ length: 8 }, () => limit.take("10.0.0.1"));
    expect(taken).toEqual([true, true, true, true, true, false, false, false]);
    expect(limit.take("10.0.0.2")).toBe(true);
    c.t += 100;
    expect(limit.take("10.0.0.1")).toBe(true);
    expect(limit.take("10.0.0.1")).toBe(false);
  });

  it("forgets buckets that filled up again, and the least recently used beyond maxTracked", () => {
    const c = clock();
    const limit = new SourceRateLimit(c, { ratePerSecond: 10, burst: 5, maxTracked: 2 });
    limit.take("10.0.0.1");
    limit.take("10.0.0.2");
    limit.take("10.0.0.3");
    expect(limit.size).toBe(2);
    c.t += 1000;
    expect(limit.size).toBe(0);
  });
});
