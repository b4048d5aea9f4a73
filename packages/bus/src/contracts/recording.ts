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
 * credentials): segments past their Transition go cold, past Transition + Expiration are deleted.
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
  }),
);

export const recordingLifecycleDone = defineRequest(
  "api.recording.lifecycle-done",
  (p: { clusterId: ClusterScope }) => subjectOf(p.clusterId, "api", "recording", "lifecycle-done"),
  z.object({ objectKey: z.string().min(1).max(512), action: z.enum(["cold", "deleted"]) }),
  z.object({ updated: z.boolean() }),
);
