/**
 * Collects the multi-part answers GB/T 28181 devices send for one query
 * (Catalog A.2.6.3, RecordInfo A.2.6.6, PresetQuery A.2.6.9): one MESSAGE per
 * few items, each repeating SumNum. Completion is decided by counting unique
 * items, because the per-part Num attribute and even SumNum are unreliable.
 * No timers: the caller passes `now` and polls `expire` at `nextDeadline()`.
 */

export interface MultipartPart<T> {
  readonly sumNum?: number;
  readonly items: readonly T[];
}

export interface MultipartResult<T> {
  readonly deviceId: string;
  readonly sn: number;
  /** Unique items in arrival order; a later duplicate replaces the earlier one in place. */
  readonly items: readonly T[];
  readonly sumNum?: number;
  /** True when the deadline passed (or a bound was hit) before `sumNum` unique items arrived. */
  readonly partial: boolean;
}

export type MultipartOutcome<T> =
  | { readonly status: "pending"; readonly received: number; readonly sumNum?: number }
  | { readonly status: "complete"; readonly result: MultipartResult<T> }
  | { readonly status: "rejected"; readonly reason: string };

export interface MultipartAssemblerOptions<T> {
  /** Identity used to de-duplicate items resent by the device (last wins). */
  readonly itemKey: (item: T) => string;
  /** Idle time after the query or the latest part before giving up. Default 10 s. */
  readonly timeoutMs?: number;
  /** Concurrent assemblies kept; beyond it new ones are rejected. Default 1024. */
  readonly maxPending?: number;
  /** Items kept per assembly; reaching it completes the assembly as partial. Default 100 000. */
  readonly maxItems?: number;
}

interface Assembly<T> {
  readonly deviceId: string;
  readonly sn: number;
  readonly items: Map<string, T>;
  sumNum: number | undefined;
  deadline: number;
}

export class MultipartAssembler<T> {
  readonly #itemKey: (item: T) => string;
  readonly #timeoutMs: number;
  readonly #maxPending: number;
  readonly #maxItems: number;
  readonly #assemblies = new Map<string, Assembly<T>>();

  constructor(options: MultipartAssemblerOptions<T>) {
    this.#itemKey = options.itemKey;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#maxPending = options.maxPending ?? 1024;
    this.#maxItems = options.maxItems ?? 100_000;
  }

  get pendingCount(): number {
    return this.#assemblies.size;
  }

  /** Register a query just sent, so the deadline runs even if no part ever arrives. */
  start(deviceId: string, sn: number, now: number): MultipartOutcome<T> {
    const existing = this.#assemblies.get(assemblyKey(deviceId, sn));
    if (existing !== undefined) return this.#pending(existing);
    if (this.#assemblies.size >= this.#maxPending) return { status: "rejected", reason: `more than ${this.#maxPending} assemblies pending` };
    const assembly: Assembly<T> = { deviceId, sn, items: new Map(), sumNum: undefined, deadline: now + this.#timeoutMs };
    this.#assemblies.set(assemblyKey(deviceId, sn), assembly);
    return this.#pending(assembly);
  }

  /**
   * Add one part. A part for an unknown (deviceId, sn) starts an assembly: devices
   * answer queries from before a restart, and their items are still worth keeping.
   */
  add(deviceId: string, sn: number, part: MultipartPart<T>, now: number): MultipartOutcome<T> {
    const started = this.start(deviceId, sn, now);
    const assembly = this.#assemblies.get(assemblyKey(deviceId, sn));
    if (assembly === undefined) return started;
    // Some firmwares lower SumNum in later parts; waiting for the highest announced total loses nothing but time.
    if (part.sumNum !== undefined) assembly.sumNum = Math.max(assembly.sumNum ?? 0, part.sumNum);
    for (const item of part.items) {
      const key = this.#itemKey(item);
      if (!assembly.items.has(key) && assembly.items.size >= this.#maxItems) return this.#finish(assembly, true);
      assembly.items.set(key, item);
    }
    assembly.deadline = now + this.#timeoutMs;
    if (assembly.sumNum !== undefined && assembly.items.size >= assembly.sumNum) return this.#finish(assembly, false);
    return this.#pending(assembly);
  }

  /** Finish every assembly whose deadline is at or before `now`, flagged partial. */
  expire(now: number): MultipartResult<T>[] {
    const expired = [...this.#assemblies.values()].filter((assembly) => assembly.deadline <= now);
    return expired.map((assembly) => this.#finish(assembly, true).result);
  }

  /** Earliest deadline among pending assemblies, for the caller's single timer. */
  nextDeadline(): number | undefined {
    let earliest: number | undefined;
    for (const assembly of this.#assemblies.values()) earliest = Math.min(earliest ?? Infinity, assembly.deadline);
    return earliest;
  }

  cancel(deviceId: string, sn: number): boolean {
    return this.#assemblies.delete(assemblyKey(deviceId, sn));
  }

  #pending(assembly: Assembly<T>): MultipartOutcome<T> {
    return assembly.sumNum === undefined
      ? { status: "pending", received: assembly.items.size }
      : { status: "pending", received: assembly.items.size, sumNum: assembly.sumNum };
  }

  #finish(assembly: Assembly<T>, partial: boolean): { status: "complete"; result: MultipartResult<T> } {
    this.#assemblies.delete(assemblyKey(assembly.deviceId, assembly.sn));
    const result: MultipartResult<T> = {
      deviceId: assembly.deviceId,
      sn: assembly.sn,
      items: [...assembly.items.values()],
      partial,
      ...(assembly.sumNum === undefined ? {} : { sumNum: assembly.sumNum }),
    };
    return { status: "complete", result };
  }
}

function assemblyKey(deviceId: string, sn: number): string {
  return `${deviceId}\u0000${sn}`;
}
