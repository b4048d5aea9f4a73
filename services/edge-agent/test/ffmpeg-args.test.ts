import { describe, expect, it } from "vitest";
import { ffmpegPushArgs, progressTotalSize, redactUrl } from "../src/streams/ffmpeg-args.js";

describe("ffmpeg push arguments", () => {
  it("pulls RTSP over TCP and copies into FLV with progress on stdout", () => {
    expect(ffmpegPushArgs("rtsp://cam/live", "rtmp://relay/live/ch1")).toEqual([
      "-hide_banner", "-nostdin", "-loglevel", "warning", "-nostats", "-rtsp_transport", "tcp", "-timeout", "10000000", "-i", "rtsp://cam/live",
      "-c", "copy", "-f", "flv", "-progress", "pipe:1", "rtmp://relay/live/ch1",
    ]);
  });

  it("reads total_size lines only", () => {
    expect(progressTotalSize("total_size=48213")).toBe(48213);
    expect(progressTotalSize("total_size=N/A")).toBeUndefined();
    expect(progressTotalSize("out_time_ms=1000")).toBeUndefined();
  });

  it("hides passwords in logged URLs", () => {
    expect(redactUrl("rtsp://admin:secret@10.0.0.2:554/x")).toBe("rtsp://admin:***@10.0.0.2:554/x");
  });
});
