import { Counter, Gauge, type Registry } from "@ivc/runtime";

/** The recorder's Prometheus series (names are `ivc_recording_*`). */
export interface RecordingMetrics {
  channels: Gauge<"state">;
  segments: Counter;
  bytes: Counter;
  failures: Counter<"stage">;
  droppedSegments: Counter;
  bufferedBytes: Gauge;
  uploads: Gauge<"state">;
}

export function createRecordingMetrics(registry: Registry): RecordingMetrics {
  const registers = [registry];
  return {
    channels: new Gauge({ name: "ivc_recording_channels", help: "Recorded channels by state (recording, retrying)", labelNames: ["state"], registers }),
    segments: new Counter({ name: "ivc_recording_segments_total", help: "Segments stored and indexed", registers }),
    bytes: new Counter({ name: "ivc_recording_bytes_total", help: "Segment bytes stored", registers }),
    failures: new Counter({ name: "ivc_recording_failures_total", help: "Recording failures by stage (storage write, index report, stream)", labelNames: ["stage"], registers }),
    droppedSegments: new Counter({ name: "ivc_recording_dropped_segments_total", help: "Segments dropped because the write buffer was full while storage failed", registers }),
    bufferedBytes: new Gauge({ name: "ivc_recording_buffered_bytes", help: "Segment bytes waiting for storage", registers }),
    uploads: new Gauge({ name: "ivc_recording_uploads", help: "Pieces of device recording to upload by state (waiting, pulling)", labelNames: ["state"], registers }),
  };
}
