import { ErrorCodes } from "../errors/codes.js";
import type { Failure } from "../errors/outcome.js";

/** A template's section as the API carries it (spec 03 §3, §4 TimeSections and DevTimeSections): DayOfWeek 1 = Monday … 7 = Sunday. */
export interface TimeSection {
  readonly DayOfWeek: number;
  readonly StartTime: string;
  readonly EndTime: string;
}

const DAY = 86_400;
const WEEK = 7 * DAY;
/** Spec 03 §0.1: "每个时间段不小于10分钟"; the 3.3 example 01:00:00–01:10:00 is exactly 10 minutes. */
export const MIN_SECTION_SECONDS = 600;
/** HH:MM:SS in [00:00:00, 23:59:59] (43403). */
export const TIME_OF_DAY = { regex: /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/, text: "HH:MM:SS between 00:00:00 and 23:59:59" };

function secondsOfDay(time: string): number {
  const [h = 0, m = 0, s = 0] = time.split(":").map(Number);
  return h * 3600 + m * 60 + s;
}

/**
 * A section's end as an exclusive second of the day. 24:00:00 is outside the documented range, so
 * the document writes a whole day 00:00:00–23:59:59: 23:59:59 means "to the end of the day", and
 * 23:50:00–23:59:59 is ten minutes (docs/api-decisions.md).
 */
function endSecond(time: string): number {
  const s = secondsOfDay(time);
  return s === DAY - 1 ? DAY : s;
}

/** 43404 when a section starts after it ends (it would cross midnight), 43405 when shorter than 10 minutes. */
export function timeSectionsProblem(sections: readonly TimeSection[], field: string): Failure | undefined {
  for (const [i, section] of sections.entries()) {
    const start = secondsOfDay(section.StartTime);
    const end = endSecond(section.EndTime);
    const where = `${field}[${i}]`;
    if (start > end) return { error: ErrorCodes.PlanStartAfterEnd, detail: `${where}.StartTime ${section.StartTime} is after EndTime ${section.EndTime} (a section cannot cross midnight)` };
    if (end - start < MIN_SECTION_SECONDS) return { error: ErrorCodes.IntervalTooShort, detail: `${where} is shorter than 10 minutes` };
  }
  return undefined;
}

interface Interval {
  start: number;
  end: number;
}

/** The sections as merged, sorted intervals of seconds since Monday 00:00:00. */
function weekIntervals(sections: readonly TimeSection[]): Interval[] {
  const raw = sections
    .map((s) => {
      const base = (s.DayOfWeek - 1) * DAY;
      return { start: base + secondsOfDay(s.StartTime), end: base + endSecond(s.EndTime) };
    })
    .filter((i) => i.start < i.end)
    .sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const interval of raw) {
    const last = merged[merged.length - 1];
    if (last && interval.start <= last.end) last.end = Math.max(last.end, interval.end);
    else merged.push({ ...interval });
  }
  return merged;
}

export interface ScheduleState {
  readonly active: boolean;
  /** When `active` next flips; undefined when it never does (no section, or the whole week). */
  readonly nextChange: Date | undefined;
}

/**
 * Whether the weekly sections are active at `at` in the site's zone (RECORD_TIME_ZONE, a fixed UTC offset), and when
 * that next changes. Sections that overlap or touch (including Sunday 23:59:59 → Monday 00:00:00)
 * are one stretch, so no change is reported at their seam.
 */
export function scheduleAt(sections: readonly TimeSection[], at: Date, utcOffsetMinutes: number): ScheduleState {
  const intervals = weekIntervals(sections);
  const first = intervals[0];
  const last = intervals[intervals.length - 1];
  if (!first || !last) return { active: false, nextChange: undefined };
  if (first.start === 0 && first.end === WEEK) return { active: true, nextChange: undefined };
  const localMs = at.getTime() + utcOffsetMinutes * 60_000;
  // 1970-01-01 was a Thursday: day 3 counting from Monday.
  const position = (((localMs / 1000 + 3 * DAY) % WEEK) + WEEK) % WEEK;
  const after = (seconds: number) => new Date(at.getTime() + (seconds - position) * 1000);
  const wraps = first.start === 0 && last.end === WEEK;
  const current = intervals.find((i) => i.start <= position && position < i.end);
  if (current) return { active: true, nextChange: after(current === last && wraps ? WEEK + first.end : current.end) };
  const next = intervals.find((i) => i.start > position);
  return { active: false, nextChange: after(next ? next.start : WEEK + first.start) };
}

/** Merged, sorted intervals (seconds of the day) of the sections of one DayOfWeek. */
function dayIntervals(sections: readonly TimeSection[], dayOfWeek: number): Interval[] {
  return weekIntervals(sections.filter((s) => s.DayOfWeek === dayOfWeek).map((s) => ({ ...s, DayOfWeek: 1 })));
}

const covered = (intervals: readonly Interval[]) => intervals.reduce((sum, i) => sum + i.end - i.start, 0);

/**
 * 43408, spec 03 §4 "上云时间段=前一天的录像时间段/上云倍速", read as "at least" (the text asks
 * for a margin on top): per DayOfWeek, the seconds the upload sections cover × Scale must reach the
 * seconds the recording sections of the same DayOfWeek cover (overlaps counted once, whole seconds,
 * no rounding). Same-day pairing: the upload on day d pulls yesterday's footage of day d's
 * DevTimeSections, which the 4.1 example (identical arrays, Scale 1) passes and d−1 pairing fails.
 */
export function uploadWindowProblem(timeSections: readonly TimeSection[], devTimeSections: readonly TimeSection[], scale: number): Failure | undefined {
  for (let day = 1; day <= 7; day++) {
    const recording = covered(dayIntervals(devTimeSections, day));
    const upload = covered(dayIntervals(timeSections, day));
    if (upload * scale < recording) {
      return {
        error: ErrorCodes.UploadPeriodMismatch,
        detail: `DayOfWeek ${day}: TimeSections cover ${upload} s, less than the DevTimeSections' ${recording} s ÷ Scale ${scale}`,
      };
    }
  }
  return undefined;
}

/** One stretch of yesterday's device recording to pull now. */
export interface DuePiece {
  readonly startMs: number;
  readonly endMs: number;
}

export interface DueUpload {
  /** The footage's local date, YYYY-MM-DD. */
  readonly footageDay: string;
  readonly pieces: readonly DuePiece[];
  /** When this day's upload window closes (the window's end, at the latest the local midnight). */
  readonly windowEndMs: number;
}

/**
 * What an upload template asks at `now` (site zone `utcOffsetMinutes`): nothing outside its upload
 * window; inside it, on local day d, yesterday's footage of each merged DevTimeSections stretch of
 * day d (same-day pairing, see uploadWindowProblem). A window running past midnight pulls the next
 * day's pieces after it, so each day's pieces end with that day's window.
 */
export function uploadDueAt(timeSections: readonly TimeSection[], devTimeSections: readonly TimeSection[], now: Date, utcOffsetMinutes: number): DueUpload | undefined {
  const state = scheduleAt(timeSections, now, utcOffsetMinutes);
  if (!state.active) return undefined;
  const offsetMs = utcOffsetMinutes * 60_000;
  const localMs = now.getTime() + offsetMs;
  const todayStartMs = Math.floor(localMs / (DAY * 1000)) * DAY * 1000 - offsetMs;
  const yesterdayStartMs = todayStartMs - DAY * 1000;
  // 1970-01-01 was a Thursday (DayOfWeek 4).
  const dayOfWeek = ((Math.floor(localMs / (DAY * 1000)) + 3) % 7) + 1;
  const windowEndMs = Math.min(state.nextChange?.getTime() ?? Infinity, todayStartMs + DAY * 1000);
  const pieces = dayIntervals(devTimeSections, dayOfWeek).map((i) => ({ startMs: yesterdayStartMs + i.start * 1000, endMs: yesterdayStartMs + i.end * 1000 }));
  return { footageDay: new Date(yesterdayStartMs + offsetMs).toISOString().slice(0, 10), pieces, windowEndMs };
}
