import { cocoDetectTypes, type AiTemplateTag, type DetectType } from "@ivc/bus";
import { ErrorCodes } from "../errors/codes.js";
import type { Failure } from "../errors/outcome.js";

export type AiTaskStatus = "on" | "off";

/** Spec 04 A0 `OperTimeslot[]` item: times of day "hh:mm:ss", Start < End. */
export interface OperTimeslot {
  readonly Start: string;
  readonly End: string;
}

export interface AiConfig {
  readonly DetectType: DetectType;
  readonly TimeInterval: number;
  readonly OperTimeslot: readonly OperTimeslot[];
}

export interface SnapshotConfig {
  readonly TimeInterval: number;
  readonly OperTimeslot?: readonly OperTimeslot[];
}

/** A stored template: exactly one of the configs, the one its Tag names. */
export interface AiTemplate {
  readonly Tag: AiTemplateTag;
  readonly AIConfig?: AiConfig;
  readonly SnapshotConfig?: SnapshotConfig;
}

/** A detector's box as stored and answered (A5/A8 generic item); Location values are integers. */
export interface AiDetection {
  readonly Name: string;
  readonly Score: number;
  readonly X: number;
  readonly Y: number;
  readonly Width: number;
  readonly Height: number;
}

/** Which DetectTypes a model serves here: the bundled COCO ones plus the ONNX files configured. */
export interface AiModels {
  readonly onnx: Partial<Record<DetectType, string>>;
}

const DAY_SECONDS = 86_400;

function secondsOfDay(time: string): number {
  const [h = 0, m = 0, s = 0] = time.split(":").map(Number);
  return h * 3600 + m * 60 + s;
}

function timeslotProblem(slots: readonly OperTimeslot[], field: string): Failure | undefined {
  const seen = new Set<string>();
  for (const [i, slot] of slots.entries()) {
    if (secondsOfDay(slot.Start) >= secondsOfDay(slot.End)) {
      return { error: ErrorCodes.OperTimeslotOrder, detail: `${field}[${i}].Start ${slot.Start} must be before End ${slot.End} (a window cannot cross midnight)` };
    }
    const key = `${slot.Start}-${slot.End}`;
    if (seen.has(key)) return { error: ErrorCodes.OperTimeslotDuplicate, detail: `${field}[${i}] repeats the window ${key}` };
    seen.add(key);
  }
  return undefined;
}

export function missingModel(type: DetectType, models: AiModels): string | undefined {
  if (cocoDetectTypes.includes(type) || models.onnx[type] !== undefined) return undefined;
  return `DetectType ${type} has no model on this gateway: configure AI_ONNX_MODELS=${type}=<path to a .onnx model>`;
}

/**
 * What the field rules cannot say about Templates: the config matching its Tag (40005), one Tag
 * for all (43714), windows in order and not repeated (43710 / 43712), each DetectType once and at
 * most one Snapshot template (40005), and a model for every DetectType (43707).
 */
export function templatesProblem(templates: readonly AiTemplate[], models: AiModels): Failure | undefined {
  const tags = new Set(templates.map((t) => t.Tag));
  if (tags.size > 1) return { error: ErrorCodes.TemplateTagMismatch, detail: "every template of a task must have the same Tag (AI or Snapshot)" };
  const types = new Set<DetectType>();
  for (const [i, template] of templates.entries()) {
    const field = `Templates[${i}]`;
    const wanted = template.Tag === "AI" ? "AIConfig" : "SnapshotConfig";
    const other = template.Tag === "AI" ? "SnapshotConfig" : "AIConfig";
    if (template[wanted] === undefined || template[other] !== undefined) {
      return { error: ErrorCodes.ParameterValidationFailed, detail: `${field} with Tag ${template.Tag} takes ${wanted} and not ${other}` };
    }
    const slots = template.AIConfig?.OperTimeslot ?? template.SnapshotConfig?.OperTimeslot ?? [];
    const problem = timeslotProblem(slots, `${field}.${wanted}.OperTimeslot`);
    if (problem) return problem;
    const type = template.AIConfig?.DetectType;
    if (type === undefined) continue;
    if (types.has(type)) return { error: ErrorCodes.ParameterValidationFailed, detail: `${field}.AIConfig.DetectType ${type} is already in another template` };
    types.add(type);
    const missing = missingModel(type, models);
    if (missing !== undefined) return { error: ErrorCodes.InvalidAiType, detail: missing };
  }
  if (templates.filter((t) => t.Tag === "Snapshot").length > 1) return { error: ErrorCodes.ParameterValidationFailed, detail: "a task takes at most one Snapshot template" };
  return undefined;
}

/** Keeps only the config the Tag names, so answers echo what was validated and nothing else. */
export function storedTemplate(template: AiTemplate): AiTemplate {
  return template.Tag === "AI" ? { Tag: "AI", AIConfig: template.AIConfig! } : { Tag: "Snapshot", SnapshotConfig: template.SnapshotConfig! };
}

/**
 * Whether a template's windows include `now`, read in the site's zone (`utcOffsetMinutes`, the
 * recording schedules' offset). A Snapshot template without windows runs all day.
 */
export function templateActive(template: AiTemplate, now: Date, utcOffsetMinutes: number): boolean {
  const slots = template.AIConfig?.OperTimeslot ?? template.SnapshotConfig?.OperTimeslot;
  if (slots === undefined || slots.length === 0) return template.Tag === "Snapshot";
  const local = (((Math.floor(now.getTime() / 1000) + utcOffsetMinutes * 60) % DAY_SECONDS) + DAY_SECONDS) % DAY_SECONDS;
  return slots.some((s) => local >= secondsOfDay(s.Start) && local < secondsOfDay(s.End));
}

export function intervalOf(template: AiTemplate): number {
  return template.AIConfig?.TimeInterval ?? template.SnapshotConfig?.TimeInterval ?? 1;
}
