import type { RecordItem } from "./manscdp-types.js";

/**
 * GB/T 28181 A.2.1 dateTime is local time without a zone ("2024-03-01T08:00:00"),
 * so converting to epoch needs the device's UTC offset.
 */
const LOCAL_TIME = /^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Epoch seconds for a GB local time; an explicit zone in the text wins over `utcOffsetMinutes`. */
export function parseGbLocalTime(text: string, utcOffsetMinutes: number): number | undefined {
  const match = LOCAL_TIME.exec(text.trim());
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const localMillis = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 2024-02-31 over into March; reject instead of guessing.
  if (new Date(localMillis).getUTCDate() !== day || new Date(localMillis).getUTCMonth() !== month - 1) return undefined;
  const zone = match[7];
  let offset = utcOffsetMinutes;
  if (zone === "Z") offset = 0;
  else if (zone !== undefined) {
    const digits = zone.replace(":", "");
    offset = (zone.startsWith("-") ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
  }
  return localMillis / 1000 - offset * 60;
}

/** Format epoch seconds as a GB local time string for RecordInfo queries. */
export function formatGbLocalTime(epochSeconds: number, utcOffsetMinutes: number): string {
  return new Date((epochSeconds + utcOffsetMinutes * 60) * 1000).toISOString().slice(0, 19);
}

export interface TimeSegment {
  readonly begin: number;
  readonly end: number;
}

export interface MergeSegmentsOptions {
  /** Device UTC offset, e.g. 480 for China Standard Time. */
  readonly utcOffsetMinutes: number;
  /** Gaps up to this many seconds are bridged: NVRs cut files with 1–2 s holes. Default 0. */
  readonly gapToleranceSeconds?: number;
}

/** Merge record items into sorted, non-overlapping [begin, end] spans in epoch seconds; unparsable items are skipped. */
export function mergeRecordSegments(items: readonly RecordItem[], options: MergeSegmentsOptions): TimeSegment[] {
  const tolerance = options.gapToleranceSeconds ?? 0;
  const spans = items
    .map((item) => ({
      begin: item.startTime === undefined ? undefined : parseGbLocalTime(item.startTime, options.utcOffsetMinutes),
      end: item.endTime === undefined ? undefined : parseGbLocalTime(item.endTime, options.utcOffsetMinutes),
    }))
    .filter((span): span is TimeSegment => span.begin !== undefined && span.end !== undefined && span.end >= span.begin)
    .sort((a, b) => a.begin - b.begin);
  const merged: TimeSegment[] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last !== undefined && span.begin <= last.end + tolerance) {
      merged[merged.length - 1] = { begin: last.begin, end: Math.max(last.end, span.end) };
    } else {
      merged.push(span);
    }
  }
  return merged;
}
