import { formatGbLocalTime, type RecordItem } from "@ivc/gb28181";

/** One recording a channel holds, in epoch seconds. */
export interface Recording {
  readonly start: number;
  readonly end: number;
}

const HOUR = 3600;
/** Default recordings last 55 minutes of each hour, so the gaps between them show in a timeline. */
const DEFAULT_LENGTH = 55 * 60;

/** One recording per hour over the 24 hours before `nowSeconds` (hour-aligned, the current hour excluded). */
export function defaultRecordings(nowSeconds: number): Recording[] {
  const currentHour = Math.floor(nowSeconds / HOUR) * HOUR;
  return Array.from({ length: 24 }, (_, i) => {
    const start = currentHour - (24 - i) * HOUR;
    return { start, end: start + DEFAULT_LENGTH };
  });
}

/**
 * RecordInfo items (GB/T 28181-2016 A.2.6.6) for the recordings overlapping [start, end], with
 * device-local times (A.2.1: no zone) at `utcOffsetMinutes`.
 */
export function recordItemsInRange(
  channelId: string,
  recordings: readonly Recording[],
  start: number,
  end: number,
  utcOffsetMinutes: number,
): RecordItem[] {
  return recordings
    .filter((recording) => recording.start <= end && recording.end >= start)
    .sort((a, b) => a.start - b.start)
    .map((recording) => ({
      deviceId: channelId,
      name: "录像",
      filePath: `/record/${channelId}/${recording.start}.ps`,
      address: "Address",
      startTime: formatGbLocalTime(recording.start, utcOffsetMinutes),
      endTime: formatGbLocalTime(recording.end, utcOffsetMinutes),
      secrecy: 0,
      type: "time",
    }));
}

/** Minutes east of UTC for "+HH:MM" / "-HH:MM"; undefined for anything else. */
export function parseTimeZone(text: string): number | undefined {
  const match = /^([+-])(\d{2}):(\d{2})$/.exec(text);
  if (!match) return undefined;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  if (minutes > 14 * 60 || Number(match[3]) > 59) return undefined;
  return match[1] === "-" ? -minutes : minutes;
}
