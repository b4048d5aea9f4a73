import { describe, expect, it } from "vitest";
import { buildMansrtsp, parseMansrtsp } from "../src/mansrtsp.js";

describe("buildMansrtsp", () => {
  it("builds seek, resume, pause, scale and teardown requests", () => {
    expect(buildMansrtsp({ method: "PLAY", cseq: 2, range: 100 })).toBe("PLAY RTSP/1.0\r\nCSeq: 2\r\nRange: npt=100-\r\n\r\n");
    expect(buildMansrtsp({ method: "PLAY", cseq: 3, range: "now" })).toBe("PLAY RTSP/1.0\r\nCSeq: 3\r\nRange: npt=now-\r\n\r\n");
    expect(buildMansrtsp({ method: "PAUSE", cseq: 4 })).toBe("PAUSE RTSP/1.0\r\nCSeq: 4\r\nPauseTime: now\r\n\r\n");
    expect(buildMansrtsp({ method: "PLAY", cseq: 5, scale: 2 })).toBe("PLAY RTSP/1.0\r\nCSeq: 5\r\nScale: 2.0\r\n\r\n");
    expect(buildMansrtsp({ method: "PLAY", cseq: 6, scale: 0.5 })).toBe("PLAY RTSP/1.0\r\nCSeq: 6\r\nScale: 0.5\r\n\r\n");
    expect(buildMansrtsp({ method: "TEARDOWN", cseq: 7 })).toBe("TEARDOWN RTSP/1.0\r\nCSeq: 7\r\n\r\n");
  });

  it("throws on invalid CSeq or scale", () => {
    expect(() => buildMansrtsp({ method: "TEARDOWN", cseq: -1 })).toThrow(RangeError);
    expect(() => buildMansrtsp({ method: "PLAY", cseq: 1, scale: 0 })).toThrow(RangeError);
  });
});

describe("parseMansrtsp", () => {
  it("round-trips every request", () => {
    for (const command of [
      { method: "PLAY", cseq: 2, range: 12.5 },
      { method: "PLAY", cseq: 3, range: "now" },
      { method: "PLAY", cseq: 4, scale: -2 },
      { method: "PAUSE", cseq: 5, pauseTime: "now" },
      { method: "TEARDOWN", cseq: 6 },
    ] as const) {
      expect(parseMansrtsp(buildMansrtsp(command))).toEqual({ ok: true, ...command });
    }
  });

  it("tolerates LF line endings, header case, a request URI and an npt end", () => {
    expect(parseMansrtsp("play rtsp://x RTSP/1.0\ncseq: 9\nrange: npt=30-60\nscale: 4\n")).toEqual({ ok: true, method: "PLAY", cseq: 9, range: 30, scale: 4 });
  });

  it("fails on unknown methods, missing CSeq and bad values", () => {
    expect(parseMansrtsp("DESCRIBE RTSP/1.0\r\nCSeq: 1\r\n\r\n")).toMatchObject({ ok: false });
    expect(parseMansrtsp("PLAY RTSP/1.0\r\n\r\n")).toEqual({ ok: false, reason: "missing or invalid CSeq" });
    expect(parseMansrtsp("PLAY RTSP/1.0\r\nCSeq: 1\r\nRange: clock=20240101T000000Z-\r\n\r\n")).toMatchObject({ ok: false });
    expect(parseMansrtsp("PLAY RTSP/1.0\r\nCSeq: 1\r\nScale: fast\r\n\r\n")).toMatchObject({ ok: false });
    expect(parseMansrtsp("")).toMatchObject({ ok: false });
  });
});
