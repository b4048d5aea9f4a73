import { z } from "zod";
import { defineRequest, subjectOf, type ClusterScope } from "../contract.js";

const epochMs = z.number().int().nonnegative();
const code = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, _ and -");

/** One channel a relay should be recording now, and how long its segments are kept. */
export const desiredRecording = z.object({
  deviceId: code,
  channelId: code,
  /** The live stream the recorder pulls (`<device>_<channel>`), shared with viewers. */
  streamId: z.string().min(1).max(129),
  planId: z.string().min(1),
  /** Days a segment stays in standard storage, then this many more days in cold storage. */
  transitionDays: z.number().int().nonnegative(),
  expirationDays: z.number().int().nonnegative(),
});
export type DesiredRecording = z.infer<typeof desiredRecording>;

/**
 * Pull model: every relay asks the API every few seconds which channels of its cluster it should
 * be recording at this moment (the plans' schedules evaluated by the API). A relay that restarts,
 * or an API that restarts, needs no replay: the next answer is the whole truth.
 */
export const recordingDesired = defineRequest(
  "api.recording.desired",
  (p: { clusterId: ClusterScope }) => subjectOf(p.clusterId, "api", "recording", "desired"),
  z.object({}),
  z.object({ recordings: z.array(desiredRecording) }),
);

export const segmentStorageClasses = ["standard", "cold"] as const;

/**
 * A segment whose bytes are durable in storage (fsynced file, completed PUT); the API adds its
 * index row. Idempotent by `objectKey`: the relay retries until answered and replays its journal
 * after a crash, so a row never exists without bytes and bytes are never left unindexed.
 */
export const recordingSegmentStored = defineRequest(
  "api.recording.segment-stored",
  (p: { clusterId: ClusterScope }) => subjectOf(p.clusterId, "api", "recording", "segment-stored"),
  z.object({
    deviceId: code,
    channelId: code,
    planId: z.string().min(1),
    startMs: epochMs,
    endMs: epochMs,
    bytes: z.number().int().positive(),
    storage: z.enum(["disk", "s3"]),
    objectKey: z.string().min(1).max(512),
    transitionDays: z.number().int().nonnegative(),
    expirationDays: z.number().int().nonnegative(),
  }),
  z.object({ indexed: z.boolean() }),
);
export type StoredSegment = z.infer<typeof recordingSegmentStored.request>;

/** The stored segments of one channel that overlap [startMs, endMs), in time order (for HLS playback and downloads). */
export const recordingSegmentsQuery = defineRequest(
  "api.recording.segments",
  (p: { clusterId: ClusterScope }) => subjectOf(p.clusterId, "api", "recording", "segments"),
  z.object({ deviceId: code, channelId: code, startMs: epochMs, endMs: epochMs }),
  z.object({
    segments: z.array(z.object({ startMs: epochMs, endMs: epochMs, bytes: z.number().int(), storageClass: z.enum(segmentStorageClasses), objectKey: z.string() })),
  }),
);

/**
 * Lifecycle, run by each relay cluster over the segments it stored (the API keeps no storage
 * credentials): segments past their Transition go cold, past Transition + Expiration are deleted,
 * and so are the AI snapshots taken then.
 * `now` is the relay's clock (tests inject one). The relay moves or deletes the bytes first, then
 * reports it; a crash in between leaves the row due, and the next pass repeats the idempotent step.
 */
export const recordingLifecycleDue = defineRequest(
  "api.recording.lifecycle-due",
  (p: { clusterId: ClusterScope }) => subjectOf(p.clusterId, "api", "recording", "lifecycle-due"),
  z.object({ now: epochMs, limit: z.number().int().min(1).max(10_000) }),
  z.object({
    toCold: z.array(z.object({ objectKey: z.string() })),
    toDelete: z.array(z.object({ objectKey: z.string(), storageClass: z.enum(segmentStorageClasses) })),
    /** AI snapshots (`ai/…jpg`, standard storage) past their channel's Transition + Expiration days: deleted with the recordings. */
    snapshotsToDelete: z.array(z.object({ objectKey: z.string() })),
  }),
);

export const recordingLifecycleDone = defineRequest(
  "api.recording.lifecycle-done",
  (p: { clusterId: ClusterScope }) => subjectOf(p.clusterId, "api", "recording", "lifecycle-done"),
  /** "snapshot-deleted": an AI snapshot's bytes are gone, so the results that name it go too. */
  z.object({ objectKey: z.string().min(1).max(512), action: z.enum(["cold", "deleted", "snapshot-deleted"]) }),
  z.object({ updated: z.boolean() }),
);

/**
 * The codes the download host answers (spec 02 §24), in the API's envelope: the API refuses a
 * download URL with them over the bus and the relay renders them, so both read one table.
 * 42505 is HTTP 402 as printed. `unavailable` is the relay's answer when the API cannot be asked
 * (no 425xx code fits; 50000 is the table's generic 操作失败).
 */
export const downloadErrors = {
  notFound: { statusCode: 42501, message: "录像不存在", httpStatus: 400 },
  invalidUrl: { statusCode: 42503, message: "非法的下载 URL", httpStatus: 403 },
  expired: { statusCode: 42504, message: "下载 URL 已过期", httpStatus: 403 },
  tooMany: { statusCode: 42505, message: "并发下载数超限", httpStatus: 402 },
  notStandard: { statusCode: 42506, message: "录像不在标准存储中", httpStatus: 400 },
  unavailable: { statusCode: 50000, message: "操作失败", httpStatus: 503 },
} as const;
export type DownloadError = keyof typeof downloadErrors;

export const downloadFileTypes = ["mp4", "ts"] as const;

/**
 * The download host (the relay) hands the API the signed parameters of a download URL
 * (`/video.<type>?source=&res=&expires=&signTime=&sign=`); the API, which alone holds the signing
 * key, verifies them and answers the segments to serve or the code to refuse with. One round trip
 * does both: the relay would have to ask for the segments anyway.
 */
export const recordingDownloadAuthorize = defineRequest(
  "api.recording.download",
  (p: { clusterId: ClusterScope }) => subjectOf(p.clusterId, "api", "recording", "download"),
  z.object({
    source: z.string().max(256),
    res: z.string().max(64),
    expires: z.string().max(16),
    signTime: z.string().max(16),
    sign: z.string().max(128),
  }),
  z.discriminatedUnion("ok", [
    z.object({
      ok: z.literal(true),
      /** The legacy ids of the file name `{ChannelId}-{BeginTime}-{EndTime}.{FileType}`. */
      channelUuid: z.string(),
      beginTime: z.number().int().nonnegative(),
      endTime: z.number().int().nonnegative(),
      fileType: z.enum(downloadFileTypes),
      deviceId: code,
      channelId: code,
      /** Standard segments overlapping the range, in time order. */
      segments: z.array(z.object({ startMs: epochMs, endMs: epochMs, bytes: z.number().int(), objectKey: z.string() })),
    }),
    z.object({ ok: z.literal(false), error: z.enum(["notFound", "invalidUrl", "expired", "notStandard"]), detail: z.string() }),
  ]),
);
export type DownloadGrant = Extract<z.infer<typeof recordingDownloadAuthorize.reply>, { ok: true }>;
