import { describe, expect, it } from "vitest";
import { restartBackoffMs } from "../src/streams/ffmpeg-push.js";

describe("ffmpeg restart back-off", () => {
  it("doubles from 1 s and stays at 30 s however often ffmpeg fails", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 100].map(restartBackoffMs)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
});
