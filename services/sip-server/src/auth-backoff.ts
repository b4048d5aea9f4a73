import type { Clock } from "./clock.js";

export interface AuthBackoffOptions {
  /** Wrong passwords tolerated from one address within `windowMs`. */
  maxFailures?: number;
  windowMs?: number;
  /** How long an address that hit the limit is refused without checking anything. */
  cooldownMs?: number;
  /** Addresses tracked at once; the oldest are forgotten beyond it. */
  maxTracked?: number;
}

interface AddressFailures {
  failures: number[];
  blockedUntil: number;
}

/**
 * Slows password guessing: after `maxFailures` wrong digests from one source address within the
 * window, REGISTERs from it get 403 at once for the cooldown. Keyed by address rather than device
 * code, so a guesser rotating codes is caught too; the cost is that devices sharing a NAT address
 * with a misconfigured one wait out the cooldown with it.
 */
export class AuthFailureBackoff {
  private readonly records = new Map<string, AddressFailures>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly cooldownMs: number;
  private readonly maxTracked: number;

  constructor(
    private readonly clock: Clock,
    options: AuthBackoffOptions = {},
  ) {
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 60_000;
    this.cooldownMs = options.cooldownMs ?? 60_000;
    this.maxTracked = options.maxTracked ?? 50_000;
  }

  /** Addresses with a live record (stale ones are dropped first). */
  get size(): number {
    this.dropStale(this.clock.now());
    return this.records.size;
  }

  isBlocked(address: string): boolean {
    const record = this.records.get(address);
    return record !== undefined && record.blockedUntil > this.clock.now();
  }

  /** Counts one wrong password; true when the address is now blocked. */
  recordFailure(address: string): boolean {
    const now = this.clock.now();
    const record = this.records.get(address) ?? { failures: [], blockedUntil: 0 };
    record.failures = [...record.failures.filter((at) => at > now - this.windowMs), now];
    if (record.failures.length >= this.maxFailures) {
      record.blockedUntil = now + this.cooldownMs;
      record.failures = [];
    }
    this.records.delete(address);
    this.dropStale(now);
    if (this.records.size >= this.maxTracked) this.forgetOldest();
    this.records.set(address, record);
    return record.blockedUntil > now;
  }

  recordSuccess(address: string): void {
    this.records.delete(address);
  }

  /**
   * Drops records that neither block nor count any failure in the window, from the oldest: records
   * are re-inserted at each failure, so the map is in order of last failure and the first live
   * record ends the sweep.
   */
  private dropStale(now: number): void {
    for (const [address, record] of this.records) {
      const lastFailure = record.failures.at(-1) ?? -Infinity;
      if (record.blockedUntil > now || lastFailure > now - this.windowMs) return;
      this.records.delete(address);
    }
  }

  private forgetOldest(): void {
    const oldest = this.records.keys().next().value;
    if (oldest !== undefined) this.records.delete(oldest);
  }
}
