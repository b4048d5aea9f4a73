import { createHmac } from "node:crypto";
import { Counter, Gauge, type Registry } from "@ivc/runtime";
import type { Logger } from "@ivc/runtime";

/** Header carrying `t=<epoch s>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed by the callback secret. */
export const CALLBACK_SIGNATURE_HEADER = "X-IVC-Signature";

export interface CallbackJob {
  readonly url: string;
  readonly body: unknown;
  /** For logs: the task and channel the result is of. */
  readonly taskId: string;
  readonly channelId: string;
}

export interface CallbackOptions {
  /** Key of the signature header; undefined: callbacks go unsigned (AI_CALLBACK_SECRET unset). */
  readonly secret: Buffer | undefined;
  readonly logger: Logger;
  readonly metrics?: Registry;
  /** Attempts per result (first try included). */
  readonly attempts?: number;
  /** Back-off before the 2nd attempt; doubles up to `maxDelayMs`. */
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly timeoutMs?: number;
  /** Results waiting or retrying at most; past it the oldest new one is dropped (and counted). */
  readonly maxQueued?: number;
  readonly fetch?: typeof fetch;
  readonly nowSeconds?: () => number;
}

export function signCallback(secret: Buffer, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * Delivers AI results to task CallbackUrls: a POST of JSON, signed, retried with back-off while the
 * receiver fails (non-2xx, timeout, refused). `send` only queues, so detection never waits on a
 * receiver; the queue is bounded, and each outcome is counted in ivc_ai_callbacks_total.
 */
export class CallbackDispatcher {
  private readonly pending = new Set<Promise<void>>();
  private closed = false;
  private readonly outcomes: Counter<"outcome"> | undefined;
  private readonly queued: Gauge | undefined;

  constructor(private readonly options: CallbackOptions) {
    const registers = options.metrics ? [options.metrics] : [];
    if (options.metrics) {
      this.outcomes = new Counter({ name: "ivc_ai_callbacks_total", help: "AI result callbacks by outcome (delivered, retried, failed, dropped)", labelNames: ["outcome"], registers });
      this.queued = new Gauge({ name: "ivc_ai_callbacks_pending", help: "AI result callbacks waiting or retrying", registers });
    }
  }

  send(job: CallbackJob): void {
    if (this.closed) return;
    if (this.pending.size >= (this.options.maxQueued ?? 1000)) {
      this.outcomes?.inc({ outcome: "dropped" });
      this.options.logger.warn({ stage: "ai callback", taskId: job.taskId, channelId: job.channelId }, "AI callback dropped: too many undelivered callbacks");
      return;
    }
    const delivery = this.deliver(job).finally(() => {
      this.pending.delete(delivery);
      this.queued?.set(this.pending.size);
    });
    this.pending.add(delivery);
    this.queued?.set(this.pending.size);
  }

  /** Resolves when every queued callback was delivered or given up (tests, shutdown). */
  async drained(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  close(): void {
    this.closed = true;
  }

  private async deliver(job: CallbackJob): Promise<void> {
    const attempts = this.options.attempts ?? 6;
    const body = JSON.stringify(job.body);
    let delay = this.options.firstDelayMs ?? 1000;
    for (let attempt = 1; ; attempt++) {
      const problem = await this.attempt(job.url, body);
      if (problem === undefined) {
        this.outcomes?.inc({ outcome: "delivered" });
        return;
      }
      const log = { stage: "ai callback", taskId: job.taskId, channelId: job.channelId, attempt, problem };
      if (attempt >= attempts || this.closed) {
        this.outcomes?.inc({ outcome: "failed" });
        this.options.logger.warn(log, "AI callback given up");
        return;
      }
      this.outcomes?.inc({ outcome: "retried" });
      this.options.logger.info({ ...log, retryInMs: delay }, "AI callback failed; retrying");
      await new Promise((done) => setTimeout(done, delay));
      delay = Math.min(this.options.maxDelayMs ?? 60_000, delay * 2);
    }
  }

  /** undefined on a 2xx answer, else why not. */
  private async attempt(url: string, body: string): Promise<string | undefined> {
    const timestamp = (this.options.nowSeconds ?? (() => Math.floor(Date.now() / 1000)))();
    try {
      const res = await (this.options.fetch ?? fetch)(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(this.options.secret ? { [CALLBACK_SIGNATURE_HEADER]: signCallback(this.options.secret, body, timestamp) } : {}) },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      await res.body?.cancel();
      return res.status >= 200 && res.status < 300 ? undefined : `HTTP ${res.status}`;
    } catch (err) {
      return (err as Error).message;
    }
  }
}
