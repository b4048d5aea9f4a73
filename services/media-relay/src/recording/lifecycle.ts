import { recordingLifecycleDone, recordingLifecycleDue, type Bus } from "@ivc/bus";
import type { Logger } from "@ivc/runtime";
import type { RecordingMetrics } from "./recording-metrics.js";
import type { SegmentStorage } from "./storage/segment-storage.js";

export interface RecordingLifecycleDeps {
  bus: Bus;
  clusterId: string;
  storage: SegmentStorage;
  logger: Logger;
  metrics: RecordingMetrics;
  /** The clock the Transition / Expiration days are measured by (tests move it). */
  now: () => number;
  batch: number;
}

/**
 * The gateway's own lifecycle (not every S3-compatible store has lifecycle rules, and disk has
 * none): the API names this cluster's segments past their Transition or Expiration, the bytes are
 * moved or deleted, then the API's row follows. Each step is idempotent, so a pass cut short by a
 * crash is finished by the next one.
 */
export class RecordingLifecycle {
  private running = false;

  constructor(private readonly deps: RecordingLifecycleDeps) {}

  /** One pass over what is due now; returns how many segments went cold and were deleted. */
  async runOnce(): Promise<{ cold: number; deleted: number }> {
    if (this.running) return { cold: 0, deleted: 0 };
    this.running = true;
    try {
      const { bus, clusterId, storage } = this.deps;
      const scope = { clusterId };
      const due = await bus.request(recordingLifecycleDue, scope, { now: this.deps.now(), limit: this.deps.batch });
      let deleted = 0;
      let cold = 0;
      for (const segment of due.toDelete) {
        if (await this.step(segment.objectKey, "delete", () => storage.remove(segment.objectKey, segment.storageClass))) {
          await bus.request(recordingLifecycleDone, scope, { objectKey: segment.objectKey, action: "deleted" });
          deleted++;
        }
      }
      for (const segment of due.toCold) {
        if (await this.step(segment.objectKey, "move to cold", () => storage.toCold(segment.objectKey))) {
          await bus.request(recordingLifecycleDone, scope, { objectKey: segment.objectKey, action: "cold" });
          cold++;
        }
      }
      if (cold > 0 || deleted > 0) this.deps.logger.info({ cold, deleted }, "recording lifecycle pass");
      return { cold, deleted };
    } finally {
      this.running = false;
    }
  }

  private async step(objectKey: string, stage: string, work: () => Promise<void>): Promise<boolean> {
    try {
      await work();
      return true;
    } catch (err) {
      this.deps.metrics.failures.inc({ stage: `lifecycle ${stage}` });
      this.deps.logger.warn({ objectKey, stage: `lifecycle ${stage}`, err: (err as Error).message }, "recording lifecycle step failed; the next pass retries");
      return false;
    }
  }
}
