/**
 * The Date header of a REGISTER 200 OK in the form GB/T 28181-2016 §9.1.2.1 shows
 * ("2010-11-11T19:46:17.915"): local time of the server without a zone. Devices set their clock
 * from it (the standard's time synchronisation, §9.10), so it must be the site's local time.
 */
export function formatGbDateHeader(epochMs: number, utcOffsetMinutes: number): string {
  return new Date(epochMs + utcOffsetMinutes * 60_000).toISOString().slice(0, 23);
}

/** The host's UTC offset at `epochMs` in minutes east of UTC (480 for China Standard Time). */
export function localUtcOffsetMinutes(epochMs: number): number {
  return -new Date(epochMs).getTimezoneOffset();
}
