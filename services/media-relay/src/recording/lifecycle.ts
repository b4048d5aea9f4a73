import { recordingLifecycleDone, recordingLifecycleDue, recordingRestoreDone, recordingRestoreDue, type Bus } from "@ivc/bus";
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
 * moved or deleted, then the API's row follows; AI snapshots past the same days are deleted with them
 * (and their results). Retrieval tasks ride on the same pass: cold segments
 * a task wants are copied to standard storage, copies past their Expiration are removed, and the
 * restores go first, so a copy is removed before its segment can be deleted. Each step is
 * idempotent, so a pass cut short by a crash is finished by the next one.
 */
export class RecordingLifecycle {
  private running = false;

  constructor(private readonly deps: RecordingLifecycleDeps) {}

  /** One pass over what is due now; returns how many segments were restored, copies removed, segments moved cold and deleted, and AI snapshots deleted. */
  async runOnce(): Promise<{ restored: number; removed: number; cold: number; deleted: number; snapshots: number }> {
    if (this.running) return { restored: 0, removed: 0, cold: 0, deleted: 0, snapshots: 0 };
    this.running = true;
    try {
      const { restored, removed } = await this.runRestores();
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
      let snapshots = 0;
      for (const snapshot of due.snapshotsToDelete) {
        // Snapshots are written to standard storage only (analyser.ts) and never moved cold.
        if (await this.step(snapshot.objectKey, "delete snapshot", () => storage.remove(snapshot.objectKey, "standard"))) {
          await bus.request(recordingLifecycleDone, scope, { objectKey: snapshot.objectKey, action: "snapshot-deleted" });
          snapshots++;
        }
      }
      if (cold > 0 || deleted > 0 || snapshots > 0) this.deps.logger.info({ cold, deleted, snapshots }, "recording lifecycle pass");
      return { restored, removed, cold, deleted, snapshots };
    } finally {
      this.running = false;
    }
  }

  /** Retrieval: copy what tasks want out of cold storage, remove copies that expired. */
  private async runRestores(): Promise<{ restored: number; removed: number }> {
    const { bus, clusterId, storage } = this.deps;
    const scope = { clusterId };
    const due = await bus.request(recordingRestoreDue, scope, { now: this.deps.now(), limit: this.deps.batch });
    let restored = 0;
    let removed = 0;
    for (const segment of due.toRestore) {
      if (await this.step(segment.objectKey, "restore", () => storage.restore(segment.objectKey))) {
        await bus.request(recordingRestoreDone, scope, { objectKey: segment.objectKey, action: "restored", now: this.deps.now() });
        restored++;
      }
    }
    for (const segment of due.toRemove) {
      if (await this.step(segment.objectKey, "remove restored copy", () => storage.remove(segment.objectKey, "standard"))) {
        await bus.request(recordingRestoreDone, scope, { objectKey: segment.objectKey, action: "removed", now: this.deps.now() });
        removed++;
      }
    }
    if (restored > 0 || removed > 0) this.deps.logger.info({ restored, removed, stage: "retrieval" }, "recording retrieval pass");
    return { restored, removed };
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
