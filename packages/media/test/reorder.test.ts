import { describe, expect, it } from "vitest";
import type { ReorderOptions } from "../src/rtp/reorder.js";
import { ReorderBuffer } from "../src/rtp/reorder.js";

type Item = { sequenceNumber: number };
const p = (sequenceNumber: number): Item => ({ sequenceNumber });
const seqs = (items: Item[]) => items.map((i) => i.sequenceNumber);
const LATENCY = 100;

/** A buffer past its startup hold, having emitted `first`. */
function started(first: number, options: ReorderOptions = {}): ReorderBuffer<Item> {
  const buffer = new ReorderBuffer<Item>({ maxLatencyMs: LATENCY, ...options });
  buffer.push(p(first), 0);
  expect(seqs(buffer.poll(options.maxLatencyMs ?? LATENCY))).toEqual([first]);
  return buffer;
}

function feed(buffer: ReorderBuffer<Item>, order: number[], nowMs = LATENCY): number[] {
  return order.flatMap((s) => seqs(buffer.push(p(s), nowMs)));
}

describe("ReorderBuffer", () => {
  it("holds the first packets for the latency budget, then passes in-order packets straight through", () => {
    const buffer = new ReorderBuffer<Item>({ maxLatencyMs: LATENCY });
    expect(feed(buffer, [10, 11], 0)).toEqual([]);
    expect(feed(buffer, [12], LATENCY)).toEqual([10, 11, 12]);
    expect(feed(buffer, [13, 14])).toEqual([13, 14]);
    expect(buffer.stats).toMatchObject({ emitted: 5, lost: 0 });
  });

  it("does not lose packets that arrive before the first one during the startup hold", () => {
    const buffer = new ReorderBuffer<Item>({ maxLatencyMs: LATENCY });
    expect(feed(buffer, [3, 1, 2, 0], 0)).toEqual([]);
    expect(seqs(buffer.poll(LATENCY))).toEqual([0, 1, 2, 3]);
    expect(buffer.stats.late).toBe(0);
  });

  it("holds a recognised stream start only for the short start hold", () => {
    const buffer = new ReorderBuffer<Item>({ maxLatencyMs: LATENCY, startHoldMs: 10 }, (item) => item.sequenceNumber === 10);
    expect(feed(buffer, [10, 11], 0)).toEqual([]);
    expect(buffer.pollDueAtMs).toBe(10);
    expect(seqs(buffer.poll(9))).toEqual([]);
    expect(seqs(buffer.poll(10))).toEqual([10, 11]);
    expect(feed(buffer, [12], 11)).toEqual([12]);
  });

  it("moves the start back to packets that overtook a recognised start during its hold", () => {
    const buffer = new ReorderBuffer<Item>({ maxLatencyMs: LATENCY, startHoldMs: 10 }, (item) => item.sequenceNumber % 4 === 0);
    expect(feed(buffer, [4, 1], 0)).toEqual([]);
    // 1 is no stream start: the long hold applies again until 0 arrives.
    expect(buffer.pollDueAtMs).toBe(LATENCY);
    expect(feed(buffer, [0, 3, 2], 5)).toEqual([]);
    expect(buffer.pollDueAtMs).toBe(15);
    expect(seqs(buffer.poll(15))).toEqual([0, 1, 2, 3, 4]);
    expect(buffer.stats).toMatchObject({ late: 0, lost: 0 });
  });

  it("keeps the full start hold for a start that is not recognised", () => {
    const buffer = new ReorderBuffer<Item>({ maxLatencyMs: LATENCY, startHoldMs: 10 }, () => false);
    expect(feed(buffer, [7], 0)).toEqual([]);
    expect(seqs(buffer.poll(LATENCY - 1))).toEqual([]);
    expect(seqs(buffer.poll(LATENCY))).toEqual([7]);
  });

  it("reports when a held gap times out, and nothing when no packet is held", () => {
    const buffer = started(1);
    expect(buffer.pollDueAtMs).toBeUndefined();
    expect(feed(buffer, [3], 500)).toEqual([]);
    expect(buffer.pollDueAtMs).toBe(500 + LATENCY);
  });

  it("restores order of swapped packets across the 16-bit wrap", () => {
    const buffer = started(65533);
    expect(feed(buffer, [65534, 0, 65535, 2, 1, 3])).toEqual([65534, 65535, 0, 1, 2, 3]);
    expect(buffer.stats.lost).toBe(0);
  });

  it("declares a gap lost once the window is full", () => {
    const buffer = started(1, { window: 4, maxLatencyMs: 1e9 });
    expect(feed(buffer, [3, 4, 5])).toEqual([]);
    expect(feed(buffer, [6])).toEqual([3, 4, 5, 6]);
    expect(buffer.stats.lost).toBe(1);
  });

  it("declares a gap lost when the latency budget is exceeded on poll", () => {
    const buffer = started(1);
    expect(feed(buffer, [4, 5], 1000)).toEqual([]);
    expect(seqs(buffer.poll(1000 + LATENCY - 1))).toEqual([]);
    expect(seqs(buffer.poll(1000 + LATENCY))).toEqual([4, 5]);
    expect(buffer.stats.lost).toBe(2);
  });

  it("counts duplicates, both held and already emitted, and drops them", () => {
    const buffer = started(1);
    expect(feed(buffer, [3, 3, 2, 1])).toEqual([2, 3]);
    expect(buffer.stats.duplicates).toBe(2);
  });

  it("counts a packet arriving after its slot was given up as late", () => {
    const buffer = started(1, { window: 2, maxLatencyMs: 1e9 });
    expect(feed(buffer, [3, 4, 2])).toEqual([3, 4]);
    expect(buffer.stats).toMatchObject({ lost: 1, late: 1 });
  });

  it("restarts on a sequence jump beyond the RFC 3550 dropout limit", () => {
    const buffer = started(100);
    expect(feed(buffer, [101, 30000, 30001])).toEqual([101, 30000, 30001]);
    expect(buffer.stats.resets).toBe(1);
  });

  it("flush emits held packets in order skipping gaps", () => {
    const buffer = started(1);
    feed(buffer, [5, 3]);
    expect(seqs(buffer.flush())).toEqual([3, 5]);
  });

  it("never holds more than the window", () => {
    const buffer = new ReorderBuffer<Item>({ window: 16, maxLatencyMs: 1e9 });
    let emitted = 0;
    for (let i = 0; i < 10_000; i++) {
      emitted += buffer.push(p(Math.floor(Math.random() * 65536)), 0).length;
      expect(buffer.heldCount).toBeLessThanOrEqual(16);
    }
    expect(emitted + buffer.flush().length).toBeLessThanOrEqual(10_000);
  });
});
