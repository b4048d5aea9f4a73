import type { Redis } from "ioredis";

/**
 * SN of the MANSCDP commands sent to each device (GB/T 28181 A.2.1: the answer repeats it). Kept
 * in Redis so every instance draws from one sequence and an answer is never matched to the wrong
 * query.
 */
export class SnCounter {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    namespace: string,
  ) {
    this.prefix = `ivc:sip:${namespace}:sn:`;
  }

  async next(deviceId: string): Promise<number> {
    const sn = await this.redis.incr(this.prefix + deviceId);
    // SN is an xs:integer but many firmwares store it in 32 bits.
    if (sn < 2_000_000_000) return sn;
    await this.redis.set(this.prefix + deviceId, 0);
    return this.next(deviceId);
  }
}
