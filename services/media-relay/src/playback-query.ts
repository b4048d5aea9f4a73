import type { PlaybackRange } from "./stream-session.js";

/**
 * Epoch values below this are seconds, above it milliseconds: 10^11 s is the year 5138 and 10^11 ms
 * is 1973, so no real recording time is ambiguous.
 */
const MS_THRESHOLD = 1e11;

export type PlaybackQueryResult = { ok: true; range: PlaybackRange } | { ok: false; message: string };

/**
 * `?start=&end=` of a playback URL (spec 02 §22 `…/live/{ChannelId}@{Session}.live.flv?start=…&end=…`).
 * The API writes epoch seconds like the spec's example; epoch milliseconds are accepted too.
 */
export function parsePlaybackQuery(query: URLSearchParams): PlaybackQueryResult {
  const bounds: number[] = [];
  for (const key of ["start", "end"] as const) {
    const raw = query.get(key);
    if (raw === null) return { ok: false, message: `a playback stream needs ${key} (epoch seconds)` };
    const value = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value)) return { ok: false, message: `${key} must be epoch seconds or milliseconds` };
    bounds.push(value < MS_THRESHOLD ? value * 1000 : value);
  }
  const [startMs, endMs] = bounds as [number, number];
  if (startMs >= endMs) return { ok: false, message: "start must be before end" };
  return { ok: true, range: { startMs, endMs } };
}
