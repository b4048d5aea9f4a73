import { z } from "zod";
import { defineEvent, defineRequest, subjectOf, type ClusterScope } from "../contract.js";

const epochMs = z.number().int().nonnegative();
const code = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, _ and -");
const objectKey = z.string().min(1).max(512);

/** Spec 04 A0 `DetectType`, case as printed. */
export const detectTypes = ["Facemask", "Chefhat", "Smoking", "Chefcloth", "PhoneCall", "Pet", "Body", "Car"] as const;
export type DetectType = (typeof detectTypes)[number];
export const aiTemplateTags = ["AI", "Snapshot"] as const;
export type AiTemplateTag = (typeof aiTemplateTags)[number];

/**
 * The DetectTypes the bundled COCO detector answers (person; cat/dog; car/bus/truck/motorcycle).
 * The others need a user-supplied ONNX model per type (`AI_ONNX_MODELS`), or are refused at task
 * creation: a type no model serves would only ever produce invented results.
 */
export const cocoDetectTypes: readonly DetectType[] = ["Body", "Pet", "Car"];

/**
 * `AI_ONNX_MODELS`, read alike by the API (to refuse a type with no model, 43707) and the relay
 * (to load it): `Facemask=/models/mask.onnx,Smoking=/models/smoking.onnx`. Unknown types throw.
 */
export function parseOnnxModels(text: string | undefined): Partial<Record<DetectType, string>> {
  const models: Partial<Record<DetectType, string>> = {};
  for (const entry of (text ?? "").split(",").map((e) => e.trim()).filter((e) => e !== "")) {
    const at = entry.indexOf("=");
    const type = entry.slice(0, at) as DetectType;
    const path = entry.slice(at + 1).trim();
    if (at <= 0 || !detectTypes.includes(type) || path === "") throw new Error(`AI_ONNX_MODELS entry ${JSON.stringify(entry)} is not <DetectType>=<path to .onnx>`);
    models[type] = path;
  }
  return models;
}

/**
 * Days the channel's recording plan keeps a segment (LifeCycle Transition + Expiration): a snapshot
 * is deleted with the recordings of its time, by the recording lifecycle pass (recordingLifecycleDue).
 */
const keepDays = z.number().int().min(0).max(100_000);

/** One template of a task that is inside one of its OperTimeslot windows now (the API evaluated them). */
export const activeTemplate = z.object({
  tag: z.enum(aiTemplateTags),
  /** Absent for a Snapshot template. */
  detectType: z.enum(detectTypes).optional(),
  intervalSeconds: z.number().int().min(1).max(3600),
});
export type ActiveTemplate = z.infer<typeof activeTemplate>;

export const desiredAnalysis = z.object({
  taskId: z.string().min(1).max(64),
  deviceId: code,
  channelId: code,
  /** The recorded live stream (`<device>_<channel>`); the relay analyses it only while its recorder holds it. */
  streamId: z.string().min(1).max(129),
  templates: z.array(activeTemplate).min(1),
  keepDays,
});
export type DesiredAnalysis = z.infer<typeof desiredAnalysis>;

/**
 * Pull model, like `api.recording.desired`: each relay asks every few seconds which channels of its
 * cluster to analyse at this moment (tasks "on", windows open, channel in a recording plan). The
 * answer is the whole truth, so a stopped task or a deleted channel ends analysis at the next poll
 * (at once for task changes, which `aiTasksChanged` pushes).
 */
export const aiDesired = defineRequest(
  "api.ai.desired",
  (p: { clusterId: ClusterScope }) => subjectOf(p.clusterId, "api", "ai", "desired"),
  z.object({}),
  z.object({ analyses: z.array(desiredAnalysis) }),
);

/**
 * Push beside the poll: the API publishes this after a task is created on, turned on or off,
 * updated or deleted, and every relay asks `api.ai.desired` at once, so a stopped task stops now
 * rather than at the next poll (which stays as the safety net for a lost message and for the
 * OperTimeslot edges). Not cluster-scoped: a task's channels can sit on any node, and one extra
 * question per relay costs less than working out which nodes hold them.
 */
export const aiTasksChanged = defineEvent("ai.tasks.changed", subjectOf("evt", "ai", "tasks-changed"), z.object({ taskId: z.string().min(1).max(64), at: epochMs }));

/** A detector's box in frame pixels; `score` 0–100. */
export const aiDetection = z.object({
  name: z.string().min(1).max(64),
  score: z.number().int().min(0).max(100),
  x: z.number().int().nonnegative(),
  y: z.number().int().nonnegative(),
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
});
export type AiDetectionReport = z.infer<typeof aiDetection>;

/**
 * One analysed snapshot of one template, reported after its JPEG is durable in storage. Idempotent
 * by (taskId, channelId, detectType, takenAtMs): the relay retries until answered. The API stores
 * it and sends the task's callback; `stored` false means the task no longer has the channel.
 */
export const aiResultReported = defineRequest(
  "api.ai.result",
  (p: { clusterId: ClusterScope }) => subjectOf(p.clusterId, "api", "ai", "result"),
  z.object({
    taskId: z.string().min(1).max(64),
    deviceId: code,
    channelId: code,
    tag: z.enum(aiTemplateTags),
    detectType: z.enum(detectTypes).optional(),
    takenAtMs: epochMs,
    snapshotKey: objectKey,
    detections: z.array(aiDetection).max(500),
    /** The analysis's `keepDays`: the snapshot's expiry is fixed when it is stored, as a segment's is. */
    keepDays,
  }),
  z.object({ stored: z.boolean() }),
);
export type AiResultReport = z.infer<typeof aiResultReported.request>;

/**
 * Whether a snapshot URL the API signed may be served: the relay holds no signing secret and asks,
 * as it does for stream pulls (`api.stream.authorize`). Deleting the task voids its URLs.
 */
export const aiSnapshotAuthorize = defineRequest(
  "api.ai.snapshot-authorize",
  (p: { clusterId: ClusterScope }) => subjectOf(p.clusterId, "api", "ai", "snapshot-authorize"),
  z.object({ key: objectKey, expires: z.number().int().nonnegative(), signature: z.string().min(1).max(128) }),
  z.object({ allowed: z.boolean(), reason: z.string().optional() }),
);
