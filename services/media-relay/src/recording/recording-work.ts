import type { Logger } from "@ivc/runtime";
import type { RecordingMetrics } from "./recording-metrics.js";
import type { SegmentSink } from "./segment-sink.js";
import type { SegmentStorage } from "./storage/segment-storage.js";

/**
 * What the live recorder and the uploader share: both turn streams into segments through one sink
 * into one storage, asking the API on a poll what is due and backing off after a failure.
 */
export interface RecordingWorkDeps {
  clusterId: string;
  sink: SegmentSink;
  storage: SegmentStorage;
  logger: Logger;
  metrics: RecordingMetrics;
  /** How often the API is asked what is due (channels to record, pieces to pull). */
  pollMs: number;
  segmentMs: number;
  /** RECORD_TIME_ZONE in minutes east of UTC: the day "bytes today" counts in. */
  utcOffsetMinutes: number;
  /** Back-off after a stream fails or drops: doubles from the first delay up to the last. */
  retryFirstMs: number;
  retryMaxMs: number;
  /** In a sharded relay: which streams this process takes (placement.ts); undefined takes all. */
  owns?: (streamId: string) => boolean;
  now?: () => number;
}
