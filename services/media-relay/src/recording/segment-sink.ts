import { recordingSegmentStored, type Bus, type StoredSegment } from "@ivc/bus";
import type { Logger } from "@ivc/runtime";
import type { IndexJournal } from "./index-journal.js";
import type { RecordingMetrics } from "./recording-metrics.js";
import type { SegmentStorage } from "./storage/segment-storage.js";

export interface SegmentSinkDeps {
  bus: Bus;
  clusterId: string;
  storage: SegmentStorage;
  journal: IndexJournal;
  logger: Logger;
  metrics: RecordingMetrics;
  /** Segment bytes held while storage fails; past it the oldest waiting segment is dropped. */
  maxBufferedBytes: number;
  retryMs: number;
  indexTimeoutMs: number;
}

export interface PendingSegment {
  report: StoredSegment;
  data: Buffer;
}

/** What the sink reports per channel, for the recording state. */
export interface SinkOutcome {
  stored(report: StoredSegment): void;
  failed(report: StoredSegment, stage: string, message: string): void;
}

/**
 * Stores closed segments in order, then has them indexed: bytes durable first, then the journal
 * entry, then the API's row. Storage or API failures are logged and retried; the stream goes on
 * meanwhile and segments wait in a bounded buffer.
 */
export class SegmentSink {
  private readonly queue: Array<PendingSegment & { outcome: SinkOutcome }> = [];
  private readonly unindexed = new Map<string, StoredSegment>();
  private bufferedBytes = 0;
  private running = false;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;

  constructor(private readonly deps: SegmentSinkDeps) {}

  /** Index reports an earlier run left unacknowledged. */
  async replayJournal(): Promise<number> {
    const pending = await this.deps.journal.pending();
    for (const report of pending) this.unindexed.set(report.objectKey, report);
    this.kick();
    return pending.length;
  }

  enqueue(segment: PendingSegment, outcome: SinkOutcome): void {
    this.queue.push({ ...segment, outcome });
    this.bufferedBytes += segment.data.length;
    while (this.bufferedBytes > this.deps.maxBufferedBytes && this.queue.length > 1) {
      const dropped = this.queue.shift()!;
      this.bufferedBytes -= dropped.data.length;
      this.deps.metrics.droppedSegments.inc();
      this.deps.logger.error({ deviceId: dropped.report.deviceId, channelId: dropped.report.channelId, objectKey: dropped.report.objectKey }, "recording buffer full: segment dropped (storage still failing)");
      dropped.outcome.failed(dropped.report, "buffer full", "segment dropped while storage failed");
    }
    this.deps.metrics.bufferedBytes.set(this.bufferedBytes);
    this.kick();
  }

  /** Resolves when everything queued so far is stored and indexed, or `stop` was called. */
  drained(): Promise<void> {
    return this.running ? this.idle : Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.idle;
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.idle = this.run().finally(() => (this.running = false));
  }

  private async run(): Promise<void> {
    while (!this.stopped && (this.queue.length > 0 || this.unindexed.size > 0)) {
      const ok = (await this.storeNext()) && (await this.indexAll());
      if (!ok) await this.pause();
    }
  }

  private async storeNext(): Promise<boolean> {
    const next = this.queue[0];
    if (next === undefined) return true;
    const { report, data, outcome } = next;
    try {
      await this.deps.storage.put(report.objectKey, data);
      await this.deps.journal.add(report);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.deps.metrics.failures.inc({ stage: "storage write" });
      this.deps.logger.error({ deviceId: report.deviceId, channelId: report.channelId, objectKey: report.objectKey, stage: "storage write", err: message }, "recording segment write failed; will retry");
      outcome.failed(report, "storage write", message);
      return false;
    }
    this.queue.shift();
    this.bufferedBytes -= data.length;
    this.deps.metrics.bufferedBytes.set(this.bufferedBytes);
    this.deps.metrics.bytes.inc(data.length);
    this.unindexed.set(report.objectKey, report);
    outcome.stored(report);
    return true;
  }

  private async indexAll(): Promise<boolean> {
    for (const report of [...this.unindexed.values()]) {
      try {
        await this.deps.bus.request(recordingSegmentStored, { clusterId: this.deps.clusterId }, report, { timeoutMs: this.deps.indexTimeoutMs });
        await this.deps.journal.remove(report.objectKey);
        this.unindexed.delete(report.objectKey);
        this.deps.metrics.segments.inc();
      } catch (err) {
        this.deps.metrics.failures.inc({ stage: "index report" });
        this.deps.logger.warn({ deviceId: report.deviceId, channelId: report.channelId, objectKey: report.objectKey, stage: "index report", err: (err as Error).message }, "segment index report failed; will retry");
        return false;
      }
    }
    return true;
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.deps.retryMs);
      const wake = (): void => done();
      this.wake = wake;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}
