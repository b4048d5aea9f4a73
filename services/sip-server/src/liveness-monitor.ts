import type { Redis } from "ioredis";
import type { Logger } from "@ivc/runtime";
import type { Clock } from "./clock.js";
import type { ExpiredRegistration, RegistrationStore } from "./registration-store.js";

export interface LivenessMonitorOptions {
  store: RegistrationStore;
  redis: Redis;
  namespace: string;
  clock: Clock;
  logger: Logger;
  scanIntervalMs: number;
  onExpired: (expired: ExpiredRegistration) => void;
}

/**
 * Turns passed deadlines into offline events. Every instance scans the shared deadline set each
 * `scanIntervalMs`; the atomic take in RegistrationStore hands each expiry to one of them. A
 * heartbeat key tells a starting instance whether any other was scanning: if none was, the whole
 * cluster was down, and overdue keepalive deadlines are re-armed rather than fired.
 */
export class LivenessMonitor {
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private readonly aliveKey: string;

  constructor(private readonly options: LivenessMonitorOptions) {
    this.aliveKey = `ivc:sip:${options.namespace}:scanner-alive`;
  }

  async start(): Promise<void> {
    const othersScanning = (await this.options.redis.exists(this.aliveKey)) === 1;
    if (!othersScanning) {
      const rearmed = await this.options.store.rearmOverdue(this.options.clock.now());
      if (rearmed > 0) this.options.logger.info({ rearmed }, "keepalive deadlines re-armed after an outage");
    }
    await this.markAlive();
    this.timer = setInterval(() => {
      this.scanning ??= this.scan().finally(() => (this.scanning = undefined));
    }, this.options.scanIntervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.scanning;
  }

  private async scan(): Promise<void> {
    try {
      await this.markAlive();
      for (;;) {
        const expired = await this.options.store.takeExpired(this.options.clock.now());
        for (const entry of expired) this.options.onExpired(entry);
        if (expired.length === 0) break;
      }
    } catch (err) {
      this.options.logger.warn({ err: err instanceof Error ? err.message : String(err) }, "deadline scan failed");
    }
  }

  private markAlive(): Promise<unknown> {
    return this.options.redis.set(this.aliveKey, "1", "PX", Math.max(5000, this.options.scanIntervalMs * 5));
  }
}
