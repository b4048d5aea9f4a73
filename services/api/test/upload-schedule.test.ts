import { describe, expect, it } from "vitest";
import { uploadDueAt, uploadWindowProblem } from "../src/recordings/schedule.js";
import type { TimeSection } from "../src/recordings/schedule.js";

const s = (DayOfWeek: number, StartTime: string, EndTime: string): TimeSection => ({ DayOfWeek, StartTime, EndTime });
const CST = 480;
/** Local (UTC+8) wall time of 2026-12-07 (a Monday) + `days`, as a Date. */
const local = (days: number, time: string) => new Date(Date.parse(`2026-12-${String(7 + days).padStart(2, "0")}T${time}+08:00`));
const ms = (iso: string) => Date.parse(iso);

describe("upload windows (schedule.ts uploadDueAt)", () => {
  const upload = [s(1, "02:00:00", "04:00:00"), s(2, "23:00:00", "23:59:59"), s(3, "00:00:00", "01:00:00")];
  const recording = [s(1, "08:00:00", "10:00:00"), s(1, "09:00:00", "11:00:00"), s(1, "12:00:00", "13:00:00"), s(3, "00:00:00", "00:30:00"), s(2, "20:00:00", "23:00:00")];

  it("is closed outside TimeSections, at the window's end included", () => {
    expect(uploadDueAt(upload, recording, local(0, "01:59:59"), CST)).toBeUndefined();
    expect(uploadDueAt(upload, recording, local(0, "04:00:00"), CST)).toBeUndefined();
  });

  it("inside a window on day d, pulls yesterday's footage of day d's DevTimeSections, merged, until the window closes", () => {
    expect(uploadDueAt(upload, recording, local(0, "02:00:00"), CST)).toEqual({
      footageDay: "2026-12-06",
      pieces: [
        { startMs: ms("2026-12-06T08:00:00+08:00"), endMs: ms("2026-12-06T11:00:00+08:00") },
        { startMs: ms("2026-12-06T12:00:00+08:00"), endMs: ms("2026-12-06T13:00:00+08:00") },
      ],
      windowEndMs: ms("2026-12-07T04:00:00+08:00"),
    });
  });

  it("a window running past midnight ends each day's pieces at midnight and then pulls the next day's", () => {
    const tuesday = uploadDueAt(upload, recording, local(1, "23:30:00"), CST);
    expect(tuesday).toEqual({
      footageDay: "2026-12-07",
      pieces: [{ startMs: ms("2026-12-07T20:00:00+08:00"), endMs: ms("2026-12-07T23:00:00+08:00") }],
      windowEndMs: ms("2026-12-09T00:00:00+08:00"),
    });
    expect(uploadDueAt(upload, recording, local(2, "00:10:00"), CST)).toEqual({
      footageDay: "2026-12-08",
      pieces: [{ startMs: ms("2026-12-08T00:00:00+08:00"), endMs: ms("2026-12-08T00:30:00+08:00") }],
      windowEndMs: ms("2026-12-09T01:00:00+08:00"),
    });
  });

  it("reads the zone it is given (UTC here)", () => {
    expect(uploadDueAt(upload, recording, new Date("2026-12-07T03:00:00Z"), 0)?.pieces[0]).toEqual({ startMs: ms("2026-12-06T08:00:00Z"), endMs: ms("2026-12-06T11:00:00Z") });
  });
});

describe("the 43408 rule (schedule.ts uploadWindowProblem)", () => {
  it("compares per day, in whole seconds, upload × Scale against recording", () => {
    expect(uploadWindowProblem([s(1, "00:00:00", "00:15:00")], [s(1, "00:00:00", "01:00:00")], 4)).toBeUndefined();
    expect(uploadWindowProblem([s(1, "00:00:00", "00:14:59")], [s(1, "00:00:00", "01:00:00")], 4)?.error.statusCode).toBe(43408);
    expect(uploadWindowProblem([s(2, "00:00:00", "01:00:00")], [s(1, "00:00:00", "01:00:00")], 4)?.detail).toMatch(/^DayOfWeek 1:/);
    expect(uploadWindowProblem([], [], 1)).toBeUndefined();
  });
});
