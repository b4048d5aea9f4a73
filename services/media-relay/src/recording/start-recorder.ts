import { join, resolve } from "node:path";
import type { Bus } from "@ivc/bus";
import { parseUtcOffset, type Logger, type Registry } from "@ivc/runtime";
import type { MediaRelayConfig } from "../config.js";
import type { StreamRegistry } from "../stream-registry.js";
import { IndexJournal } from "./index-journal.js";
import { RecordingLifecycle } from "./lifecycle.js";
import { RecordedDownload } from "./recorded-download.js";
import { RecordedPlayback } from "./recorded-playback.js";
import { segmentStorageFrom } from "./recording-config.js";
import { createRecordingMetrics } from "./recording-metrics.js";
import { Recorder } from "./recorder.js";
import { SegmentSink } from "./segment-sink.js";
import { shardOfStream } from "../shards/placement.js";
import type { ShardRecordings } from "../shards/recordings-merge.js";
import type { ShardAnswer } from "../shards/shard-protocol.js";
import type { MediaTransport } from "../ingest.js";
import { Uploader } from "./uploader.js";

export interface RecorderTuning {
  recordingPollMs: number;
  recordingRetryFirstMs: number;
  recordingRetryMaxMs: number;
  recordingStoreRetryMs: number;
  /** How often the lifecycle pass runs. */
  recordingLifecycleMs: number;
  /** How soon retrieval looks again at an S3 archive restore under way (expedited ones take 1–5 minutes). */
  recordingRestoreCheckMs: number;
  /** How long the API may take to verify a download URL. */
  downloadAuthorizeTimeoutMs: number;
  ffmpegBinary?: string;
  /** How often the API is asked which device recordings to upload. */
  uploadPollMs: number;
  /** Back-off of a failed upload pull (device offline, BYE, no RTP), doubling up to the max. */
  uploadRetryFirstMs: number;
  uploadRetryMaxMs: number;
  /** How devices send downloads: TCP unless a site's devices only do UDP (a lost packet is a hole in the archive). */
  uploadTransport: MediaTransport;
}

export const recorderTuningDefaults: RecorderTuning = {
  recordingPollMs: 10_000,
  recordingRetryFirstMs: 2000,
  recordingRetryMaxMs: 60_000,
  recordingStoreRetryMs: 2000,
  recordingLifecycleMs: 10 * 60_000,
  recordingRestoreCheckMs: 60_000,
  downloadAuthorizeTimeoutMs: 5000,
  uploadPollMs: 10_000,
  uploadRetryFirstMs: 5000,
  uploadRetryMaxMs: 120_000,
  uploadTransport: "tcp-passive",
};

/** The relay's recorder and uploader: storage from the settings, a journal under IVC_VAR_DIR, recovery, then the schedule and upload polls. */
export async function startRecorder(deps: {
  config: MediaRelayConfig;
  bus: Bus;
  clusterId: string;
  registry: StreamRegistry;
  logger: Logger;
  metrics: Registry;
  tuning: RecorderTuning;
  /** In a sharded relay: this process's shard; it records and uploads the channels it owns. */
  shard: { index: number; count: number };
  /** Shard 0 of a sharded relay: asks the other shards for their recordings (one operator view). */
  peers?: () => Promise<Array<ShardAnswer<ShardRecordings>>>;
}): Promise<Recorder> {
  const { config, tuning } = deps;
  const utcOffsetMinutes = parseUtcOffset(config.RECORD_TIME_ZONE);
  if (utcOffsetMinutes === undefined) throw new Error(`RECORD_TIME_ZONE is not a UTC offset: ${config.RECORD_TIME_ZONE}`);
  const storage = await segmentStorageFrom(config);
  const metrics = createRecordingMetrics(deps.metrics);
  const sink = new SegmentSink({
    bus: deps.bus,
    clusterId: deps.clusterId,
    storage,
    // One journal per process: shards write their own segments.
    journal: new IndexJournal(resolve(join(config.IVC_VAR_DIR, "recording-journal", deps.clusterId, `shard-${deps.shard.index}`))),
    logger: deps.logger,
    metrics,
    maxBufferedBytes: config.RECORDING_BUFFER_MB * 1024 * 1024,
    retryMs: tuning.recordingStoreRetryMs,
    indexTimeoutMs: 5000,
  });
  const owns = deps.shard.count > 1 ? { owns: (streamId: string) => shardOfStream(streamId, deps.shard.count) === deps.shard.index } : {};
  // The live recorder and the uploader write through the same sink into the same storage.
  const shared = {
    bus: deps.bus,
    clusterId: deps.clusterId,
    registry: deps.registry,
    sink,
    storage,
    logger: deps.logger,
    metrics,
    segmentMs: config.RECORDING_SEGMENT_SECONDS * 1000,
    utcOffsetMinutes,
    ...owns,
  };
  const uploader = new Uploader({
    ...shared,
    pollMs: tuning.uploadPollMs,
    retryFirstMs: tuning.uploadRetryFirstMs,
    retryMaxMs: tuning.uploadRetryMaxMs,
    transport: tuning.uploadTransport,
    shard: deps.shard,
  });
  const recorder = new Recorder({
    ...shared,
    pollMs: tuning.recordingPollMs,
    retryFirstMs: tuning.recordingRetryFirstMs,
    retryMaxMs: tuning.recordingRetryMaxMs,
    lifecycle: new RecordingLifecycle({ bus: deps.bus, clusterId: deps.clusterId, storage, logger: deps.logger, metrics, now: Date.now, batch: 1000, restoreCheckMs: tuning.recordingRestoreCheckMs }),
    lifecycleMs: tuning.recordingLifecycleMs,
    shard: deps.shard.index,
    ...(deps.peers !== undefined ? { peers: deps.peers } : {}),
    runsLifecycle: deps.shard.index === 0,
    playback: new RecordedPlayback({ bus: deps.bus, clusterId: deps.clusterId, storage, logger: deps.logger }),
    download: new RecordedDownload({
      bus: deps.bus,
      clusterId: deps.clusterId,
      storage,
      logger: deps.logger,
      maxConcurrent: config.RECORDING_DOWNLOAD_CONCURRENCY,
      authorizeTimeoutMs: tuning.downloadAuthorizeTimeoutMs,
      ...(tuning.ffmpegBinary !== undefined ? { ffmpegBinary: tuning.ffmpegBinary } : {}),
    }),
    uploader,
  });
  await recorder.start();
  return recorder;
}
