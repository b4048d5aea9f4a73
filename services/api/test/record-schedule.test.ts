import { describe, expect, it } from "vitest";
import { ErrorCodes } from "../src/errors/codes.js";
import { scheduleAt, timeSectionsProblem } from "../src/recordings/schedule.js";
import type { TimeSection } from "../src/recordings/schedule.js";

const CST = 480;
/** 2026-12-07 is a Monday; local times at UTC+8 written as UTC instants. */
const local = (day: number, time: string, ms = 0) => new Date(Date.parse(`2026-12-${String(6 + day).padStart(2, "0")}T${time}+08:00`) + ms);
const section = (DayOfWeek: number, StartTime: string, EndTime: string): TimeSection => ({ DayOfWeek, StartTime, EndTime });

describe("time sections are checked", () => {
  it("accepts a section of exactly 10 minutes and refuses one a second shorter (43405)", () => {
    expect(timeSectionsProblem([section(2, "01:00:00", "01:10:00")], "TimeSections")).toBeUndefined();
    expect(timeSectionsProblem([section(2, "01:00:00", "01:09:59")], "TimeSections")?.error).toBe(ErrorCodes.IntervalTooShort);
    expect(timeSectionsProblem([section(2, "01:00:00", "01:00:00")], "TimeSections")?.error).toBe(ErrorCodes.IntervalTooShort);
  });

  it("refuses a section crossing midnight (start after end, 43404) and names it", () => {
    const problem = timeSectionsProblem([section(1, "08:00:00", "12:00:00"), section(3, "23:00:00", "01:00:00")], "Mod.TimeSections");
    expect(problem?.error).toBe(ErrorCodes.PlanStartAfterEnd);
    expect(problem?.detail).toMatch(/Mod\.TimeSections\[1\]/);
  });

  it("reads EndTime 23:59:59 as the end of the day: 23:50:00–23:59:59 is ten minutes", () => {
    expect(timeSectionsProblem([section(7, "23:50:00", "23:59:59")], "TimeSections")).toBeUndefined();
    expect(timeSectionsProblem([section(7, "23:50:01", "23:59:59")], "TimeSections")?.error).toBe(ErrorCodes.IntervalTooShort);
  });
});

describe("scheduleAt", () => {
  it("is active from StartTime to before EndTime and says when it changes", () => {
    const sections = [section(1, "08:00:00", "12:00:00")];
    expect(scheduleAt(sections, local(1, "07:59:59"), CST)).toEqual({ active: false, nextChange: local(1, "08:00:00") });
    expect(scheduleAt(sections, local(1, "08:00:00"), CST)).toEqual({ active: true, nextChange: local(1, "12:00:00") });
    expect(scheduleAt(sections, local(1, "11:59:59", 999), CST)).toEqual({ active: true, nextChange: local(1, "12:00:00") });
    // After the last section of the week, the next change is next Monday's start.
    expect(scheduleAt(sections, local(1, "12:00:00"), CST)).toEqual({ active: false, nextChange: local(8, "08:00:00") });
  });

  it("takes DayOfWeek 7 as Sunday and a section ending 23:59:59 as running through the last second", () => {
    const sections = [section(7, "20:00:00", "23:59:59")];
    expect(scheduleAt(sections, local(6, "21:00:00"), CST).active).toBe(false);
    expect(scheduleAt(sections, local(7, "21:00:00"), CST)).toEqual({ active: true, nextChange: local(8, "00:00:00") });
    expect(scheduleAt(sections, local(7, "23:59:59", 500), CST).active).toBe(true);
    expect(scheduleAt(sections, local(8, "00:00:00"), CST)).toEqual({ active: false, nextChange: local(14, "20:00:00") });
  });

  it("joins sections that touch, across midnight and from Sunday into Monday", () => {
    const sections = [section(7, "22:00:00", "23:59:59"), section(1, "00:00:00", "02:00:00"), section(1, "02:00:00", "03:00:00")];
    expect(scheduleAt(sections, local(7, "22:30:00"), CST)).toEqual({ active: true, nextChange: local(8, "03:00:00") });
    expect(scheduleAt(sections, local(1, "01:00:00"), CST)).toEqual({ active: true, nextChange: local(1, "03:00:00") });
  });

  it("evaluates in the site's zone, not UTC", () => {
    const sections = [section(1, "08:00:00", "09:00:00")];
    // 08:30 at UTC+8 is 00:30 UTC: active at +08:00, not at UTC.
    expect(scheduleAt(sections, local(1, "08:30:00"), CST).active).toBe(true);
    expect(scheduleAt(sections, local(1, "08:30:00"), 0).active).toBe(false);
    expect(scheduleAt(sections, new Date("2026-12-07T08:30:00Z"), 0).active).toBe(true);
  });

  it("never changes for no sections or the whole week", () => {
    expect(scheduleAt([], local(3, "10:00:00"), CST)).toEqual({ active: false, nextChange: undefined });
    const week = [1, 2, 3, 4, 5, 6, 7].map((d) => section(d, "00:00:00", "23:59:59"));
    expect(scheduleAt(week, local(3, "10:00:00"), CST)).toEqual({ active: true, nextChange: undefined });
  });
});
