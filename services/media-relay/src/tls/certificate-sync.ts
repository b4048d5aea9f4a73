import { domainCertificates, domainChanged } from "@ivc/bus";
import type { Bus } from "@ivc/bus";
import type { Logger } from "@ivc/runtime";
import { CoalescedRun } from "../coalesced-run.js";
import type { SniCertificates } from "./sni-certificates.js";

export interface CertificateSyncOptions {
  readonly bus: Bus;
  readonly clusterId: string;
  readonly certificates: SniCertificates;
  readonly logger: Logger;
  readonly timeoutMs: number;
  /** First wait before asking again when the API did not answer; doubled up to `maxRetryMs`. */
  readonly retryMs: number;
  readonly maxRetryMs: number;
}

/**
 * Keeps the node's TLS certificates in line with the API's play domains (the relay has no
 * database): asks at start, again on every `domain.changed` of this cluster, and again after a
 * failed ask until one succeeds. Asks never overlap; a change seen during an ask asks once more.
 */
export class CertificateSync {
  private readonly subscription;
  private readonly asks = new CoalescedRun(() => this.load());
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs: number;
  private stopped = false;
  /** Resolves after the first successful load. */
  readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(private readonly options: CertificateSyncOptions) {
    this.retryMs = options.retryMs;
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.subscription = options.bus.subscribe(domainChanged, (change) => {
      if (change.clusterId !== options.clusterId) return;
      options.logger.info({ playDomain: change.playDomain, change: change.change }, "play domain changed: reloading certificates");
      this.reload();
    });
    this.reload();
  }

  /** Asks the API for the node's certificates (coalesced with an ask under way). */
  reload(): void {
    if (this.stopped) return;
    void this.asks.run();
  }

  private async load(): Promise<void> {
    if (this.stopped) return;
    // This ask replaces a retry that was waiting.
    clearTimeout(this.retryTimer);
    const { bus, clusterId, certificates, logger, timeoutMs } = this.options;
    try {
      const reply = await bus.request(domainCertificates, { clusterId }, {}, { timeoutMs });
      const result = certificates.replace(reply.domains);
      for (const f of result.failed) logger.warn({ playDomain: f.playDomain, reason: f.reason }, "play domain certificate not loaded");
      logger.info({ playDomains: result.loaded }, "TLS certificates loaded");
      this.retryMs = this.options.retryMs;
      this.markReady();
    } catch (err) {
      if (this.stopped) return;
      logger.warn({ err: err instanceof Error ? err.message : String(err), retryMs: this.retryMs }, "asking the API for play domain certificates failed");
      this.retryTimer = setTimeout(() => this.reload(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, this.options.maxRetryMs);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.subscription.unsubscribe();
    await this.asks.current;
  }
}
