import { recordingLifecycleDone, recordingLifecycleDue, recordingRestoreDone, recordingRestoreDue, recordingRetrievalChanged, type Bus } from "@ivc/bus";
import type { Logger } from "@ivc/runtime";
import { CoalescedRun } from "../coalesced-run.js";
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
  /** How soon retrieval looks again while an archive restore (S3 RestoreObject) is under way. */
  restoreCheckMs: number;
}

const FAILED = Symbol("lifecycle step failed");

/** What a retrieval pass did: segments made readable, expired copies removed, archive restores still under way. */
export interface RestoreCounts {
  restored: number;
  removed: number;
  restoring: number;
}

/**
 * The gateway's own lifecycle (not every S3-compatible store has lifecycle rules, and disk has
 * none): the API names this cluster's segments past their Transition or Expiration, the bytes are
 * moved or deleted, then the API's row follows; AI snapshots past the same days are deleted with them
 * (and their results). Retrieval tasks ride on the same pass: cold segments
 * a task wants are copied to standard storage, copies past their Expiration are removed, and the
 * restores go first, so a copy is removed before its segment can be deleted. Each step is
 * idempotent, so a pass cut short by a crash is finished by the next one. Retrieval also runs on
 * its own (`runRestores`) when a task changes (`listen`) and while an archive restore is under way.
 */
export class RecordingLifecycle {
  private running = false;
  private readonly restores = new CoalescedRun(() => this.restoreOnce());
  private restoreCheck: NodeJS.Timeout | undefined;
  private changes: { unsubscribe(): void } | undefined;

  constructor(private readonly deps: RecordingLifecycleDeps) {}

  /** Runs the retrieval part at once for every `recording.retrieval-changed` naming this cluster (one process per relay listens). */
  listen(): void {
    this.changes = this.deps.bus.subscribe(recordingRetrievalChanged, (change) => {
      if (!change.clusterIds.includes(this.deps.clusterId)) return;
      this.deps.logger.info({ taskId: change.taskId, change: change.change, stage: "retrieval" }, "retrieval task changed: retrieval pass now");
      void this.retrieveNow();
    });
  }

  stop(): void {
    this.changes?.unsubscribe();
    this.changes = undefined;
    clearTimeout(this.restoreCheck);
    this.restoreCheck = undefined;
  }

  /** One pass over what is due now; returns how many segments were restored (or are still restoring), copies removed, segments moved cold and deleted, and AI snapshots deleted. */
  async runOnce(): Promise<RestoreCounts & { cold: number; deleted: number; snapshots: number }> {
    if (this.running) return { restored: 0, removed: 0, restoring: 0, cold: 0, deleted: 0, snapshots: 0 };
    this.running = true;
    try {
      const { restored, removed, restoring } = await this.runRestores();
      this.checkLater(restoring);
      const { bus, clusterId, storage } = this.deps;
      const scope = { clusterId };
      const due = await bus.request(recordingLifecycleDue, scope, { now: this.deps.now(), limit: this.deps.batch });
      let deleted = 0;
      let cold = 0;
      for (const segment of due.toDelete) {
        if ((await this.step(segment.objectKey, "delete", () => storage.remove(segment.objectKey, segment.storageClass))) !== FAILED) {
          await bus.request(recordingLifecycleDone, scope, { objectKey: segment.objectKey, action: "deleted" });
          deleted++;
        }
      }
      for (const segment of due.toCold) {
        if ((await this.step(segment.objectKey, "move to cold", () => storage.toCold(segment.objectKey))) !== FAILED) {
          await bus.request(recordingLifecycleDone, scope, { objectKey: segment.objectKey, action: "cold" });
          cold++;
        }
      }
      let snapshots = 0;
      for (const snapshot of due.snapshotsToDelete) {
        // Snapshots are written to standard storage only (analyser.ts) and never moved cold.
        if ((await this.step(snapshot.objectKey, "delete snapshot", () => storage.remove(snapshot.objectKey, "standard"))) !== FAILED) {
          await bus.request(recordingLifecycleDone, scope, { objectKey: snapshot.objectKey, action: "snapshot-deleted" });
          snapshots++;
        }
      }
      if (cold > 0 || deleted > 0 || snapshots > 0) this.deps.logger.info({ cold, deleted, snapshots }, "recording lifecycle pass");
      return { restored, removed, restoring, cold, deleted, snapshots };
    } finally {
      this.running = false;
    }
  }

  /**
   * Retrieval work now. A call while a pass runs makes that pass go once more when it ends, so a
   * task added meanwhile does not wait for the next timer; the caller gets the combined counts.
   */
  async runRestores(): Promise<RestoreCounts> {
    const rounds = await this.restores.run();
    return {
      restored: rounds.reduce((sum, r) => sum + r.restored, 0),
      removed: rounds.reduce((sum, r) => sum + r.removed, 0),
      // Only the last round's: a restore still under way is listed again by every round.
      restoring: rounds.at(-1)?.restoring ?? 0,
    };
  }

  /** Retrieval alone (a task changed, a restore under way is due a look); a failure waits for the next look or lifecycle pass. */
  private async retrieveNow(): Promise<void> {
    try {
      this.checkLater((await this.runRestores()).restoring);
    } catch (err) {
      this.deps.metrics.failures.inc({ stage: "retrieval query" });
      this.deps.logger.warn({ stage: "retrieval query", err: (err as Error).message }, "recording retrieval pass failed; the lifecycle pass retries");
    }
  }

  /** Archive restores still under way are looked at again soon rather than at the next lifecycle pass. */
  private checkLater(restoring: number): void {
    if (restoring === 0 || this.changes === undefined || this.restoreCheck !== undefined) return;
    this.restoreCheck = setTimeout(() => {
      this.restoreCheck = undefined;
      void this.retrieveNow();
    }, this.deps.restoreCheckMs);
  }

  /** Retrieval: make what tasks want out of cold storage readable, remove copies that expired. */
  private async restoreOnce(): Promise<RestoreCounts> {
    const { bus, clusterId, storage } = this.deps;
    const scope = { clusterId };
    const due = await bus.request(recordingRestoreDue, scope, { now: this.deps.now(), limit: this.deps.batch });
    let restored = 0;
    let removed = 0;
    let restoring = 0;
    for (const segment of due.toRestore) {
      const state = await this.step(segment.objectKey, "restore", () => storage.restore(segment.objectKey, segment.days));
      // Still restoring (an archive class): handed out again by the next restore-due, Status stays 1.
      if (state === "restoring") restoring++;
      if (state !== "restored") continue;
      await bus.request(recordingRestoreDone, scope, { objectKey: segment.objectKey, action: "restored", now: this.deps.now() });
      restored++;
    }
    for (const segment of due.toRemove) {
      if ((await this.step(segment.objectKey, "remove restored copy", () => storage.remove(segment.objectKey, "standard"))) !== FAILED) {
        await bus.request(recordingRestoreDone, scope, { objectKey: segment.objectKey, action: "removed", now: this.deps.now() });
        removed++;
      }
    }
    if (restored > 0 || removed > 0 || restoring > 0) this.deps.logger.info({ restored, removed, restoring, stage: "retrieval" }, "recording retrieval pass");
    return { restored, removed, restoring };
  }

  /** The step's result, or FAILED (logged and counted; the next pass retries). */
  private async step<T>(objectKey: string, stage: string, work: () => Promise<T>): Promise<T | typeof FAILED> {
    try {
      return await work();
    } catch (err) {
      this.deps.metrics.failures.inc({ stage: `lifecycle ${stage}` });
      this.deps.logger.warn({ objectKey, stage: `lifecycle ${stage}`, err: (err as Error).message }, "recording lifecycle step failed; the next pass retries");
      return FAILED;
    }
  }
}
