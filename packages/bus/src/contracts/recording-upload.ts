import { z } from "zod";
import { defineRequest, subjectOf, type ClusterScope } from "../contract.js";

const epochMs = z.number().int().nonnegative();
const code = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, _ and -");

/** Download speeds an upload template may ask of a device (spec 03 §4 `Scale`, 43412). */
export const uploadScales = [1, 2, 4] as const;

/**
 * One piece of a device's own recording (an NVR's or camera's storage) that an upload plan wants
 * in cloud storage: pulled with a GB28181 download INVITE at `scale`× while its window is open.
 * `pieceId` is stable for the same plan, channel and device range, so a relay that restarts or a
 * piece that is retried reports against the same row.
 */
export const uploadPiece = z.object({
  pieceId: z.string().min(1).max(200),
  deviceId: code,
  channelId: code,
  planId: z.string().min(1),
  /** The range of the device's recording, epoch ms (a `DevTimeSections` section of yesterday). */
  startMs: epochMs,
  endMs: epochMs,
  scale: z.union([z.literal(1), z.literal(2), z.literal(4)]),
  /** When the upload window (`TimeSections`) closes: what is not stored by then is reported missing. */
  windowEndMs: epochMs,
  /** Where an earlier attempt got to: the relay resumes from here instead of the range's start. */
  resumeFromMs: epochMs.optional(),
  transitionDays: z.number().int().nonnegative(),
  expirationDays: z.number().int().nonnegative(),
});
export type UploadPiece = z.infer<typeof uploadPiece>;

/** Bounds on concurrent pulls, so an upload never fills a store's uplink silently. */
export const uploadLimits = z.object({
  /** Channels of one device (an NVR) pulled at once. */
  perDevice: z.number().int().min(1),
  /** Channels pulled at once by one relay cluster (one site). */
  perSite: z.number().int().min(1),
});
export type UploadLimits = z.infer<typeof uploadLimits>;

/**
 * Pull model, like `recording.desired`: each relay asks the API every few seconds which pieces of
 * its cluster's upload plans are due now (windows open, not yet stored). The answer is the whole
 * truth; pieces no longer listed are stopped.
 */
export const recordingUploadsDesired = defineRequest(
  "api.recording.uploads-desired",
  (p: { clusterId: ClusterScope }) => subjectOf(p.clusterId, "api", "recording", "uploads-desired"),
  z.object({}),
  z.object({ pieces: z.array(uploadPiece), limits: uploadLimits }),
);

export const uploadPieceStates = ["uploading", "done", "failed", "no-recording", "missed"] as const;

/**
 * The relay reports a piece's progress: `uploading` with `storedUntilMs` as segments land, `done`
 * at MediaStatus 121 or the range's end, `failed` with the stage (device offline, BYE, SIP
 * timeout, no RTP) to be retried later in the window, `no-recording` when the device has nothing
 * there, `missed` when the window closed first. Segments themselves go through
 * `recording.segment-stored` as live recording's do, with the device's timestamps.
 */
export const recordingUploadProgress = defineRequest(
  "api.recording.upload-progress",
  (p: { clusterId: ClusterScope }) => subjectOf(p.clusterId, "api", "recording", "upload-progress"),
  z.object({
    pieceId: z.string().min(1).max(200),
    planId: z.string().min(1),
    deviceId: code,
    channelId: code,
    state: z.enum(uploadPieceStates),
    storedUntilMs: epochMs.optional(),
    reason: z.string().max(500).optional(),
  }),
  z.object({ updated: z.boolean() }),
);
