import { describe, expect, it } from "vitest";
import { buildMansrtsp } from "@ivc/gb28181";
import { playbackCommand } from "../src/playback-command.js";

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
