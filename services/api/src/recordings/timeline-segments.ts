import type { RecordingSpan } from "../bus/channel-control.js";

/** A spec 02 §20 timeline segment, epoch seconds. */
export interface TimelineSegment {
  Begin: number;
  End: number;
}

/**
 * Devices write one file after another with second-precision times, so a file ending at 10:59:59
 * followed by one starting at 11:00:00 is continuous recording, not a gap.
 */
export const ADJACENT_GAP_SECONDS = 1;

/**
 * RecordInfo items as the timeline of [start, end]: each item clipped to the range (devices answer
 * whole files that overlap it), items with no time left dropped, and items that overlap or touch merged.
 */
export function timelineSegments(items: readonly RecordingSpan[], start: number, end: number): TimelineSegment[] {
  const clipped = items
    .map((item) => ({ Begin: Math.max(item.start, start), End: Math.min(item.end, end) }))
    .filter((s) => s.Begin < s.End)
    .sort((a, b) => a.Begin - b.Begin);
  const merged: TimelineSegment[] = [];
  for (const segment of clipped) {
    const last = merged[merged.length - 1];
    if (last && segment.Begin <= last.End + ADJACENT_GAP_SECONDS) last.End = Math.max(last.End, segment.End);
    else merged.push({ ...segment });
  }
  return merged;
}

/** A stretch of recording, epoch milliseconds. */
export interface TimeSpan {
  startMs: number;
  endMs: number;
}

/**
 * Whether `covers` leave any part of `spans` longer than `toleranceMs` uncovered: a cold run
 * restored end to end is not "archived" any more, though the gaps of up to a second inside a run
 * are nobody's copy.
 */
export function leavesUncovered(spans: readonly TimeSpan[], covers: readonly TimeSpan[], toleranceMs: number): boolean {
  const sorted = [...covers].sort((a, b) => a.startMs - b.startMs);
  return spans.some((span) => {
    let reached = span.startMs;
    for (const cover of sorted) {
      if (cover.endMs <= reached) continue;
      if (cover.startMs >= span.endMs) break;
      if (cover.startMs - reached > toleranceMs) return true;
      reached = Math.max(reached, cover.endMs);
    }
    return span.endMs - reached > toleranceMs;
  });
}
