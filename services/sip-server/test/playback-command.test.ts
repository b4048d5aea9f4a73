import { describe, expect, it } from "vitest";
import { buildMansrtsp } from "@ivc/gb28181";
import { playbackCommand } from "../src/playback-command.js";
import { parseUtcOffset } from "../src/utc-offset.js";

describe("playbackCommand (GB/T 28181-2016 Appendix B)", () => {
  it("seeks with Range npt=<pos>-, changes speed with Scale, resumes with npt=now-", () => {
    expect(buildMansrtsp(playbackCommand({ action: "play", pos: 90 }, 4)!)).toBe("PLAY RTSP/1.0\r\nCSeq: 4\r\nRange: npt=90-\r\n\r\n");
    expect(buildMansrtsp(playbackCommand({ action: "play", scale: 0.5 }, 5)!)).toBe("PLAY RTSP/1.0\r\nCSeq: 5\r\nScale: 0.5\r\n\r\n");
    expect(buildMansrtsp(playbackCommand({ action: "play" }, 6)!)).toBe("PLAY RTSP/1.0\r\nCSeq: 6\r\nRange: npt=now-\r\n\r\n");
  });

  it("pauses now and tears down", () => {
    expect(buildMansrtsp(playbackCommand({ action: "pause" }, 1)!)).toBe("PAUSE RTSP/1.0\r\nCSeq: 1\r\nPauseTime: now\r\n\r\n");
    expect(buildMansrtsp(playbackCommand({ action: "teardown" }, 2)!)).toBe("TEARDOWN RTSP/1.0\r\nCSeq: 2\r\n\r\n");
  });

  it("refuses pos and scale together", () => {
    expect(playbackCommand({ action: "play", pos: 1, scale: 2 }, 1)).toBeUndefined();
  });
});

describe("parseUtcOffset", () => {
  it("reads ±HH:MM as minutes east of UTC", () => {
    expect(parseUtcOffset("+08:00")).toBe(480);
    expect(parseUtcOffset("-05:30")).toBe(-330);
    expect(parseUtcOffset("+00:00")).toBe(0);
  });

  it("rejects other forms", () => {
    for (const text of ["08:00", "+8:00", "+15:00", "+08:60", "UTC+8", ""]) expect(parseUtcOffset(text), text).toBeUndefined();
  });
});
