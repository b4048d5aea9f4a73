import { createCatalogAssembler, type CatalogItem, type MultipartOutcome, type MultipartResult } from "@ivc/gb28181";
import type { Logger } from "@ivc/runtime";
import type { Clock } from "./clock.js";
import type { SipServerMetrics } from "./metrics.js";

export interface CatalogCollectorOptions {
  /** CATALOG_TIMEOUT: idle time after the query or the last part. */
  timeoutMs: number;
  clock: Clock;
  logger: Logger;
  metrics: SipServerMetrics;
  /** Called once per assembled catalog, whole or partial. */
  onCatalog: (result: MultipartResult<CatalogItem>) => void;
}

/**
 * Multi-part Catalog answers (GB/T 28181 A.2.6.3) assembled per (device, SN) with one timer for
 * all pending assemblies, armed at the earliest deadline.
 */
export class CatalogCollector {
  private readonly assembler;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: CatalogCollectorOptions) {
    this.assembler = createCatalogAssembler({ timeoutMs: options.timeoutMs });
  }

  /** Catalogs being assembled. */
  get pending(): number {
    return this.assembler.pendingCount;
  }

  /** Starts the clock for a query just sent, so a device that never answers still completes (empty, partial). */
  start(deviceId: string, sn: number): boolean {
    return this.settle(deviceId, this.assembler.start(deviceId, sn, this.options.clock.now()));
  }

  add(deviceId: string, sn: number, part: { sumNum?: number; items: readonly CatalogItem[] }): void {
    this.settle(deviceId, this.assembler.add(deviceId, sn, part, this.options.clock.now()));
  }

  cancel(deviceId: string, sn: number): void {
    this.assembler.cancel(deviceId, sn);
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private settle(deviceId: string, outcome: MultipartOutcome<CatalogItem>): boolean {
    if (outcome.status === "rejected") {
      this.options.metrics.catalogAssemblies.inc({ outcome: "rejected" });
      this.options.logger.warn({ deviceId, reason: outcome.reason }, "catalog assembly rejected");
      return false;
    }
    if (outcome.status === "complete") this.finish(outcome.result);
    this.arm();
    return true;
  }

  private finish(result: MultipartResult<CatalogItem>): void {
    this.options.metrics.catalogAssemblies.inc({ outcome: result.partial ? "partial" : "complete" });
    try {
      this.options.onCatalog(result);
    } catch (err) {
      this.options.logger.warn({ err, deviceId: result.deviceId, sn: result.sn }, "publishing a catalog failed");
    }
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = this.assembler.nextDeadline();
    if (deadline === undefined) return;
    this.timer = setTimeout(() => {
      for (const result of this.assembler.expire(this.options.clock.now())) {
        this.options.logger.warn(
          { deviceId: result.deviceId, sn: result.sn, received: result.items.length, sumNum: result.sumNum },
          "catalog incomplete at the timeout; publishing what arrived",
        );
        this.finish(result);
      }
      this.arm();
    }, Math.max(0, deadline - this.options.clock.now()) + 1);
  }
}
