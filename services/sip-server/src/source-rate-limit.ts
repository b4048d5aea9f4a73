import type { Clock } from "./clock.js";

export interface SourceRateLimitOptions {
  /** Tokens added per second, per source address. */
  ratePerSecond: number;
  /** Bucket size: a burst this large passes at once (a NAT of cameras rebooting together). */
  burst: number;
  /** Sources tracked at once; the least recently seen are forgotten beyond it (their bucket starts full). */
  maxTracked?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per source address, checked before any work is done for a request, so one
 * address sending thousands of REGISTERs a second gets the same small share as any other and
 * cannot delay the rest. Keyed by address, not port: a storm rotates ports for free.
 */
export class SourceRateLimit {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxTracked: number;

  constructor(
    private readonly clock: Clock,
    private readonly options: SourceRateLimitOptions,
  ) {
    this.maxTracked = options.maxTracked ?? 50_000;
  }

  /** Sources whose bucket is not full again (a full one is the same as none, so it is dropped first). */
  get size(): number {
    const now = this.clock.now();
    for (const [address, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.options.ratePerSecond < this.options.burst) break;
      this.buckets.delete(address);
    }
    return this.buckets.size;
  }

  /** Takes one token from `address`'s bucket; false when it is empty. */
  take(address: string): boolean {
    const now = this.clock.now();
    const bucket = this.buckets.get(address) ?? { tokens: this.options.burst, at: now };
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.options.ratePerSecond);
    bucket.at = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    // Re-inserted so the map stays in order of last use and the first entry is the one to forget.
    this.buckets.delete(address);
    if (this.buckets.size >= this.maxTracked) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    this.buckets.set(address, bucket);
    return allowed;
  }
}
