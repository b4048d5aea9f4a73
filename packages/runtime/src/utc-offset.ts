/**
 * "+08:00", "-05:30": how a site's zone is configured (DEVICE_TIME_ZONE, RECORD_TIME_ZONE). A fixed
 * offset, not a zone name: GB28181 devices and the legacy platform's schedules know no daylight
 * saving, and hours go up to 14, as real zones do.
 */
export const UTC_OFFSET = /^[+-](0\d|1[0-4]):[0-5]\d$/;

/** The platform's zone when none is configured: China's (UTC+8), the legacy platform's. */
export const DEFAULT_UTC_OFFSET = "+08:00";
/** DEFAULT_UTC_OFFSET in minutes east of UTC. */
export const DEFAULT_UTC_OFFSET_MINUTES = 8 * 60;

/** "YYYY-MM-DD HH:MM:SS" of `at` on the clock of a site `utcOffsetMinutes` east of UTC (the legacy API's time strings). */
export function siteDateTime(at: Date, utcOffsetMinutes: number): string {
  return new Date(at.getTime() + utcOffsetMinutes * 60_000).toISOString().slice(0, 19).replace("T", " ");
}

/** Minutes east of UTC for a "+HH:MM" offset; undefined when it is not one. */
export function parseUtcOffset(text: string): number | undefined {
  if (!UTC_OFFSET.test(text)) return undefined;
  const minutes = Number(text.slice(1, 3)) * 60 + Number(text.slice(4, 6));
  return text.startsWith("-") ? -minutes : minutes;
}
