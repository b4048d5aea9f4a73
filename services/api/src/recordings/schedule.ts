import { ErrorCodes } from "../errors/codes.js";
import type { Failure } from "../errors/outcome.js";

/** A live-to-cloud template's section as the API carries it (spec 03 §3): DayOfWeek 1 = Monday … 7 = Sunday. */
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
