import { z } from "zod";
import { defineEvent, defineRequest, subjectOf, type ClusterScope } from "../contract.js";

const epochMs = z.number().int().nonnegative();
const objectKey = z.string().min(1).max(512);

/**
 * Retrieval (录像取回, spec 04 Part R), pull model like `recording.lifecycle-due`: the relay cluster
 * that stored the segments (the API keeps no storage credentials) asks which cold segments a
 * retrieval task wants readable (copy them to standard storage; the cold original stays) and which
 * restored copies have passed their task's Expiration (remove the standard copy). `now` is the
 * relay's clock, as for the lifecycle. A segment handed out in `toRestore` counts as being retrieved
 * (task Status 1) until its `restored` report, and is handed out again on every ask until then: an
 * archive-class restore on S3 takes minutes to hours, and the relay checks on it each time. `days`
 * is the longest Expiration of the tasks waiting for it (what an S3 RestoreObject asks for).
 */
export const recordingRestoreDue = defineRequest(
  "api.recording.restore-due",
  (p: { clusterId: ClusterScope }) => subjectOf(p.clusterId, "api", "recording", "restore-due"),
  z.object({ now: epochMs, limit: z.number().int().min(1).max(10_000) }),
  z.object({
    toRestore: z.array(z.object({ objectKey, days: z.number().int().min(1).max(365) })),
    toRemove: z.array(z.object({ objectKey })),
  }),
);

/**
 * The relay copied a cold segment to standard storage (`restored`: playable until the longest
 * Expiration of the tasks that wanted it, counted from `now`) or removed an expired copy
 * (`removed`). Idempotent: the storage steps are, and a report repeated after a crash changes
 * nothing more.
 */
export const recordingRestoreDone = defineRequest(
  "api.recording.restore-done",
  (p: { clusterId: ClusterScope }) => subjectOf(p.clusterId, "api", "recording", "restore-done"),
  z.object({ objectKey, action: z.enum(["restored", "removed"]), now: epochMs }),
  z.object({ updated: z.boolean() }),
);

/**
 * A retrieval task was added or deleted: the relays of `clusterIds` (where its segments are stored)
 * ask `restore-due` now instead of at their next lifecycle pass, which stays the safety net for a
 * missed event.
 */
export const recordingRetrievalChanged = defineEvent(
  "recording.retrieval-changed",
  subjectOf("evt", "recording", "retrieval-changed"),
  z.object({ taskId: z.string().min(1), clusterIds: z.array(z.string().min(1)), change: z.enum(["added", "deleted"]), at: epochMs }),
);
export type RetrievalChange = z.infer<typeof recordingRetrievalChanged.schema>;
