import { describe, expect, it } from "vitest";
import { CoalescedRun } from "../src/coalesced-run.js";

/** A work function whose rounds the test finishes one by one. */
function gatedWork() {
  const gates: Array<() => void> = [];
  let started = 0;
  const work = async () => {
    const round = ++started;
    await new Promise<void>((resolve) => gates.push(resolve));
    return round;
  };
  return { work, started: () => started, release: () => gates.shift()!() };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("CoalescedRun", () => {
  it("never overlaps rounds, and calls during a round make exactly one more", async () => {
    const g = gatedWork();
    const run = new CoalescedRun(g.work);
    const first = run.run();
    const second = run.run();
    const third = run.run();
    expect(second).toBe(first);
    expect(third).toBe(first);
    await tick();
    expect(g.started()).toBe(1);
    g.release();
    await tick();
    expect(g.started()).toBe(2);
    g.release();
    expect(await first).toEqual([1, 2]);
    expect(run.current).toBeUndefined();
  });

  it("runs a single round when nobody asks again, and starts afresh after", async () => {
    const g = gatedWork();
    const run = new CoalescedRun(g.work);
    const once = run.run();
    await tick();
    g.release();
    expect(await once).toEqual([1]);
    const next = run.run();
    expect(next).not.toBe(once);
    await tick();
    g.release();
    expect(await next).toEqual([2]);
  });

  it("ends with a round's error and drops the pending round; the next call runs again", async () => {
    let calls = 0;
    let fail = true;
    const run = new CoalescedRun(async () => {
      calls++;
      await tick();
      if (fail) throw new Error("round failed");
      return calls;
    });
    const failing = run.run();
    void run.run();
    await expect(failing).rejects.toThrow("round failed");
    expect(calls).toBe(1);
    fail = false;
    expect(await run.run()).toEqual([2]);
  });
});
