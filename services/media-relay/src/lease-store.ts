import type { Redis } from "ioredis";
import { formatSsrc, SSRC_SEQUENCES, type StreamKind } from "./ssrc.js";

export interface LeaseStoreOptions {
  /** Key namespace, e.g. `ivc:media:<clusterId>`; SSRCs use one namespace per SIP domain. */
  prefix: string;
  ports: { first: number; last: number };
  domainPart: string;
  /** Unique per relay instance, so only the holder refreshes or releases its leases. */
  owner: string;
  /** A lease dies this long after its last refresh (a crashed relay frees its leases). */
  ttlMs: number;
  /** A released port is not handed out again for this long, so late packets cannot cross streams. */
  restMs: number;
}

export interface MediaLease {
  port: number;
  ssrc: string;
}

const RESTING = "resting";

// Compare-and-act scripts: only the instance holding a lease may extend or release it.
const REFRESH = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end`;
const REST = `if redis.call("GET", KEYS[1]) == ARGV[1] then redis.call("SET", KEYS[1], "${RESTING}", "PX", ARGV[2]) return 1 else return 0 end`;
const RELEASE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;

/**
 * RTP port and SSRC leases in Redis. Taking one is an atomic `SET NX PX`, so two relays (or one
 * restarted while its old leases live) never hand out the same port or SSRC; a released port is
 * overwritten with a "resting" marker that expires after `restMs`.
 */
export class LeaseStore {
  constructor(
    private readonly redis: Redis,
    private readonly options: LeaseStoreOptions,
  ) {}

  private portKey(port: number): string {
    return `${this.options.prefix}:port:${port}`;
  }

  private ssrcKey(ssrc: string): string {
    return `ivc:media:ssrc:${ssrc}`;
  }

  /** A free port and SSRC, or undefined when every port or SSRC is taken or resting. */
  async acquire(kind: StreamKind, avoidPorts: ReadonlySet<number> = new Set()): Promise<MediaLease | undefined> {
    const port = await this.acquirePort(avoidPorts);
    if (port === undefined) return undefined;
    const ssrc = await this.acquireSsrc(kind);
    if (ssrc === undefined) {
      await this.releasePort(port, 0);
      return undefined;
    }
    return { port, ssrc };
  }

  /** Extends both leases; false when one was lost (expired and possibly taken by another relay). */
  async refresh(lease: MediaLease): Promise<boolean> {
    const { owner, ttlMs } = this.options;
    const [a, b] = await Promise.all([
      this.redis.eval(REFRESH, 1, this.portKey(lease.port), owner, ttlMs),
      this.redis.eval(REFRESH, 1, this.ssrcKey(lease.ssrc), owner, ttlMs),
    ]);
    return a === 1 && b === 1;
  }

  /** `restMs` 0 frees the port at once (nothing was ever sent to it, e.g. it could not be bound). */
  async release(lease: MediaLease, restMs = this.options.restMs): Promise<void> {
    await Promise.all([this.releasePort(lease.port, restMs), this.redis.eval(RELEASE, 1, this.ssrcKey(lease.ssrc), this.options.owner)]);
  }

  private async releasePort(port: number, restMs: number): Promise<void> {
    if (restMs > 0) await this.redis.eval(REST, 1, this.portKey(port), this.options.owner, restMs);
    else await this.redis.eval(RELEASE, 1, this.portKey(port), this.options.owner);
  }

  private async acquirePort(avoid: ReadonlySet<number>): Promise<number | undefined> {
    const { first, last } = this.options.ports;
    const count = last - first + 1;
    // A shared rotating cursor spreads allocations over the range, so a just-rested port is the
    // last one to be considered again.
    const start = (await this.redis.incr(`${this.options.prefix}:port-cursor`)) % count;
    for (let i = 0; i < count; i++) {
      const port = first + ((start + i) % count);
      if (avoid.has(port)) continue;
      if (await this.take(this.portKey(port))) return port;
    }
    return undefined;
  }

  private async acquireSsrc(kind: StreamKind): Promise<string | undefined> {
    const start = (await this.redis.incr(`ivc:media:ssrc-cursor:${this.options.domainPart}`)) % SSRC_SEQUENCES;
    // Bounded probing: with thousands of live streams a few collisions are expected, not 10,000.
    for (let i = 0; i < 256; i++) {
      const ssrc = formatSsrc(kind, this.options.domainPart, (start + i) % SSRC_SEQUENCES);
      if (await this.take(this.ssrcKey(ssrc))) return ssrc;
    }
    return undefined;
  }

  private async take(key: string): Promise<boolean> {
    return (await this.redis.set(key, this.options.owner, "PX", this.options.ttlMs, "NX")) === "OK";
  }
}
