/**
 * Restores RTP sequence order (RFC 3550 §A.1 extended sequence numbers, 16-bit wraparound).
 * A gap is waited for until `window` packets are held or the oldest held packet is older than
 * `maxLatencyMs`; then the missing packets are declared lost and delivery continues. The first
 * packets of a stream are held for the same budget, so a reordered stream start is not lost,
 * unless the oldest one held is recognisably where the stream starts (`startsStream`): then the
 * hold is only `startHoldMs`, to collect packets a few positions out of order.
 */
export interface ReorderOptions {
  /** Maximum packets held while waiting for a gap to fill (default 64). */
  window?: number;
  maxLatencyMs?: number;
  /** Startup hold when the oldest packet held is a recognised stream start (default 10 ms, capped at maxLatencyMs). */
  startHoldMs?: number;
}

export interface ReorderStats {
  emitted: number;
  lost: number;
  duplicates: number;
  /** Arrived after their slot was given up as lost. */
  late: number;
  /** Sequence jumps beyond RFC 3550 dropout/misorder limits (camera restart): the buffer restarted. */
  resets: number;
}

/** RFC 3550 §A.1 thresholds: further ahead or behind than this is a new sequence, not reordering. */
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;

interface Held<T> {
  item: T;
  arrivedAtMs: number;
}

export class ReorderBuffer<T extends { sequenceNumber: number }> {
  private readonly window: number;
  private readonly maxLatencyMs: number;
  private readonly startHoldMs: number;
  private readonly held = new Map<number, Held<T>>();
  /** Extended sequence number expected next; undefined before the first packet. */
  private expected: number | undefined;
  /** True from the first packet until the first release (the startup hold). */
  private starting = false;
  /** Ring of recently emitted extended sequence numbers, to tell duplicates from late packets. */
  private readonly emittedRing: Float64Array;
  readonly stats: ReorderStats = { emitted: 0, lost: 0, duplicates: 0, late: 0, resets: 0 };

  /**
   * `startsStream` tells an item that can open the stream (e.g. a PS pack start): a stream
   * starting there needs the long startup hold only against packets that overtook its first one.
   */
  constructor(
    options: ReorderOptions = {},
    private readonly startsStream?: (item: T) => boolean,
  ) {
    this.window = Math.max(1, options.window ?? 64);
    this.maxLatencyMs = options.maxLatencyMs ?? 100;
    this.startHoldMs = Math.min(this.maxLatencyMs, options.startHoldMs ?? 10);
    this.emittedRing = new Float64Array(Math.max(this.window, MAX_MISORDER)).fill(-1);
  }

  get heldCount(): number {
    return this.held.size;
  }

  /** When `poll()` will next release something by waiting (a start hold or a gap timing out); undefined if nothing is held. */
  get pollDueAtMs(): number | undefined {
    if (this.held.size === 0) return undefined;
    if (this.starting) {
      const oldest = this.held.get(this.expected!)!;
      return oldest.arrivedAtMs + this.startHoldOf(oldest.item);
    }
    return this.held.get(this.oldestHeld())!.arrivedAtMs + this.maxLatencyMs;
  }

  push(item: T, nowMs: number): T[] {
    if (this.held.size === 0 && !this.starting && this.expected !== undefined && item.sequenceNumber === (this.expected & 0xffff)) {
      // The common case, the next packet in order with nothing held: no bookkeeping beyond the emit.
      this.markEmitted(this.expected);
      return [item];
    }
    const out: T[] = [];
    if (this.expected === undefined) {
      // Offset by one cycle so extended numbers stay positive when the start moves back.
      this.expected = item.sequenceNumber + 0x10000;
      this.starting = true;
    }
    const delta = signedDelta16(item.sequenceNumber, this.expected);
    if (this.starting && delta < 0 && delta >= -MAX_MISORDER) {
      // Before the first release the stream start is not known yet: the first arrival may
      // itself have overtaken its predecessors, so the start moves back instead of calling them late.
      this.expected += delta;
      this.store(this.expected, item, nowMs);
    } else if (delta < -MAX_MISORDER || delta >= MAX_DROPOUT) {
      this.drainAll(out);
      this.stats.resets++;
      this.expected = item.sequenceNumber + 0x10000;
      this.store(this.expected, item, nowMs);
    } else if (delta < 0) {
      const ext = this.expected + delta;
      if (this.emittedRing[ext % this.emittedRing.length] === ext) this.stats.duplicates++;
      else this.stats.late++;
    } else if (this.held.has(this.expected + delta)) {
      this.stats.duplicates++;
    } else {
      this.store(this.expected + delta, item, nowMs);
    }
    this.release(out, nowMs);
    return out;
  }

  /** Gives up on gaps whose wait exceeded the latency budget; call on a timer. */
  poll(nowMs: number): T[] {
    const out: T[] = [];
    this.release(out, nowMs);
    return out;
  }

  /** Emits everything held, skipping gaps (end of stream). */
  flush(): T[] {
    const out: T[] = [];
    this.drainAll(out);
    return out;
  }

  /** Forgets the sequence state (new SSRC) but keeps the counters; held packets are discarded. */
  reset(): void {
    this.held.clear();
    this.expected = undefined;
    this.starting = false;
    this.emittedRing.fill(-1);
  }

  private store(ext: number, item: T, nowMs: number): void {
    this.held.set(ext, { item, arrivedAtMs: nowMs });
  }

  private release(out: T[], nowMs: number): void {
    if (this.starting && this.held.size > 0) {
      // While starting, `expected` is the oldest held packet (the start moves back to it).
      const oldest = this.held.get(this.expected!)!;
      if (this.held.size < this.window && nowMs - oldest.arrivedAtMs < this.startHoldOf(oldest.item)) return;
      this.starting = false;
    }
    for (;;) {
      this.drainInOrder(out);
      if (this.held.size === 0) return;
      const oldest = this.oldestHeld();
      const waited = nowMs - this.held.get(oldest)!.arrivedAtMs;
      if (this.held.size < this.window && waited < this.maxLatencyMs && oldest - this.expected! < this.window) return;
      this.stats.lost += oldest - this.expected!;
      this.expected = oldest;
    }
  }

  private drainInOrder(out: T[]): void {
    for (let held = this.held.get(this.expected!); held !== undefined; held = this.held.get(this.expected!)) {
      this.held.delete(this.expected!);
      this.markEmitted(this.expected!);
      out.push(held.item);
    }
  }

  private markEmitted(ext: number): void {
    this.emittedRing[ext % this.emittedRing.length] = ext;
    this.stats.emitted++;
    this.expected = ext + 1;
  }

  private drainAll(out: T[]): void {
    this.starting = false;
    while (this.held.size > 0) {
      const oldest = this.oldestHeld();
      this.stats.lost += oldest - this.expected!;
      this.expected = oldest;
      this.drainInOrder(out);
    }
  }

  private startHoldOf(first: T): number {
    return this.startsStream?.(first) === true ? this.startHoldMs : this.maxLatencyMs;
  }

  private oldestHeld(): number {
    let oldest = Infinity;
    for (const ext of this.held.keys()) if (ext < oldest) oldest = ext;
    return oldest;
  }
}

/** a - b in the 16-bit sequence space, mapped to [-32768, 32767]. */
function signedDelta16(a: number, b: number): number {
  const d = (a - (b & 0xffff) + 0x10000) & 0xffff;
  return d >= 0x8000 ? d - 0x10000 : d;
}
