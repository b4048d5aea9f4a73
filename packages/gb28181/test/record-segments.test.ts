import { describe, expect, it } from "vitest";
import { formatGbLocalTime, mergeRecordSegments, parseGbLocalTime } from "../src/record-segments.js";

const CST = 480;
// 2024-03-01T00:00:00+08:00
const MIDNIGHT = Date.UTC(2024, 2, 1) / 1000 - 8 * 3600;

describe("parseGbLocalTime / formatGbLocalTime", () => {
  it("interprets zone-less times in the given UTC offset", () => {
    expect(parseGbLocalTime("2024-03-01T00:00:00", CST)).toBe(MIDNIGHT);
    expect(parseGbLocalTime("2024-03-01 00:00:00", CST)).toBe(MIDNIGHT);
    expect(parseGbLocalTime("2024-03-01T00:00:00", 0)).toBe(MIDNIGHT + 8 * 3600);
  });

  it("honours an explicit zone and rejects malformed text", () => {
    expect(parseGbLocalTime("2024-02-29T16:00:00Z", CST)).toBe(MIDNIGHT);
    expect(parseGbLocalTime("2024-03-01T00:00:00+08:00", 0)).toBe(MIDNIGHT);
    expect(parseGbLocalTime("2024-13-01T00:00:00", CST)).toBeUndefined();
    expect(parseGbLocalTime("2024-02-30T00:00:00", CST)).toBeUndefined();
    expect(parseGbLocalTime("yesterday", CST)).toBeUndefined();
  });

  it("formats epoch seconds back to GB local time", () => {
    expect(formatGbLocalTime(MIDNIGHT + 3661, CST)).toBe("2024-03-01T01:01:01");
  });
});

describe("mergeRecordSegments", () => {
  const rec = (start: string, end: string) => ({ deviceId: "x", startTime: `2024-03-01T${start}`, endTime: `2024-03-01T${end}` });

  it("merges overlapping and touching files, sorted", () => {
    const items = [rec("02:00:00", "03:00:00"), rec("00:00:00", "01:00:00"), rec("00:30:00", "01:00:00"), rec("01:00:00", "01:30:00")];
    expect(mergeRecordSegments(items, { utcOffsetMinutes: CST })).toEqual([
      { begin: MIDNIGHT, end: MIDNIGHT + 5400 },
      { begin: MIDNIGHT + 7200, end: MIDNIGHT + 10800 },
    ]);
  });

  it("bridges small gaps only within the tolerance", () => {
    const items = [rec("00:00:00", "00:10:00"), rec("00:10:02", "00:20:00")];
    expect(mergeRecordSegments(items, { utcOffsetMinutes: CST })).toHaveLength(2);
    expect(mergeRecordSegments(items, { utcOffsetMinutes: CST, gapToleranceSeconds: 2 })).toEqual([{ begin: MIDNIGHT, end: MIDNIGHT + 1200 }]);
  });

  it("skips items with missing, malformed or reversed times", () => {
    const items = [{ deviceId: "x" }, rec("bad", "00:10:00"), rec("00:20:00", "00:10:00"), rec("00:00:00", "00:00:10")];
    expect(mergeRecordSegments(items, { utcOffsetMinutes: CST })).toEqual([{ begin: MIDNIGHT, end: MIDNIGHT + 10 }]);
  });
});
