import { join, resolve } from "node:path";
import { DEFAULT_UTC_OFFSET, env } from "@ivc/runtime";
import { DiskSegmentStorage } from "./storage/disk-storage.js";
import type { SegmentStorage } from "./storage/segment-storage.js";

/** Cloud recording settings (README "Configuration"). */
export const recordingEnv = {
  /** `disk` (RECORDING_DIR) or `s3` (RECORDING_S3_*). */
  RECORDING_STORAGE: env.string("disk", /^(disk|s3)$/, "disk or s3"),
  /** Default IVC_VAR_DIR/recordings. */
  RECORDING_DIR: env.optionalString(),
  /** Cold segments on disk; default RECORDING_DIR/cold (may be another volume). */
  RECORDING_COLD_DIR: env.optionalString(),
  RECORDING_S3_ENDPOINT: env.optionalUrl(["http", "https"]),
  RECORDING_S3_REGION: env.string("us-east-1"),
  RECORDING_S3_BUCKET: env.optionalString(),
  RECORDING_S3_ACCESS_KEY: env.optionalString(),
  RECORDING_S3_SECRET_KEY: env.optionalString(),
  RECORDING_S3_PREFIX: env.optionalString(),
  /** Archive class for cold objects when the store has one (e.g. GLACIER); they also move under `cold/`. */
  RECORDING_S3_COLD_CLASS: env.optionalString(),
  RECORDING_SEGMENT_SECONDS: env.int(4, 1, 30),
  /** The site's zone, as the API's: where the operator view's "bytes today" begins. */
  RECORD_TIME_ZONE: env.utcOffset(DEFAULT_UTC_OFFSET),
  /** Segment bytes held in memory while storage fails. */
  RECORDING_BUFFER_MB: env.int(256, 1, 16384),
  /** Cloud-recording downloads this relay serves at once, all accounts together (42505 past it). */
  RECORDING_DOWNLOAD_CONCURRENCY: env.int(4, 1, 256),
};

interface RecordingSettings {
  IVC_VAR_DIR: string;
  RECORDING_STORAGE: string;
  RECORDING_DIR: string | undefined;
  RECORDING_COLD_DIR: string | undefined;
  RECORDING_S3_ENDPOINT: string | undefined;
  RECORDING_S3_REGION: string;
  RECORDING_S3_BUCKET: string | undefined;
  RECORDING_S3_ACCESS_KEY: string | undefined;
  RECORDING_S3_SECRET_KEY: string | undefined;
  RECORDING_S3_PREFIX: string | undefined;
  RECORDING_S3_COLD_CLASS: string | undefined;
}

/**
 * The storage the settings name; S3 without bucket or credentials is a configuration error. The
 * S3 client is loaded only when S3 is chosen: the AWS SDK adds ~20 MiB to every relay process.
 */
export async function segmentStorageFrom(config: RecordingSettings): Promise<SegmentStorage> {
  if (config.RECORDING_STORAGE === "disk") {
    const root = resolve(config.RECORDING_DIR ?? join(config.IVC_VAR_DIR, "recordings"));
    return new DiskSegmentStorage({ root, ...(config.RECORDING_COLD_DIR !== undefined ? { coldRoot: resolve(config.RECORDING_COLD_DIR) } : {}) });
  }
  const { RECORDING_S3_BUCKET: bucket, RECORDING_S3_ACCESS_KEY: accessKeyId, RECORDING_S3_SECRET_KEY: secretAccessKey } = config;
  if (bucket === undefined || accessKeyId === undefined || secretAccessKey === undefined) {
    throw new Error("RECORDING_STORAGE=s3 needs RECORDING_S3_BUCKET, RECORDING_S3_ACCESS_KEY and RECORDING_S3_SECRET_KEY");
  }
  const { S3SegmentStorage } = await import("./storage/s3-storage.js");
  return new S3SegmentStorage({
    region: config.RECORDING_S3_REGION,
    bucket,
    accessKeyId,
    secretAccessKey,
    ...(config.RECORDING_S3_ENDPOINT !== undefined ? { endpoint: config.RECORDING_S3_ENDPOINT } : {}),
    ...(config.RECORDING_S3_PREFIX !== undefined ? { prefix: config.RECORDING_S3_PREFIX } : {}),
    ...(config.RECORDING_S3_COLD_CLASS !== undefined ? { coldStorageClass: config.RECORDING_S3_COLD_CLASS as never } : {}),
  });
}
