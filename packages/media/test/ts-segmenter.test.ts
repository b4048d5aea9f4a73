import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { splitAdtsFrames } from "../src/codec/aac.js";
import type { AudioFrame, Frame, VideoFrame } from "../src/frame.js";
import { PTS_MODULUS, wrapPts } from "../src/frame.js";
import { TS_PACKET_SIZE } from "../src/ts/packetizer.js";
import { TsSegmenter, type TsSegment } from "../src/ts/segmenter.js";
import { demuxed, interleave, videoFrames } from "./frames.js";
import { encodeTestAudio, encodeTestVideo, ffprobeStreams, tempPath } from "./media-tools.js";

interface Probe {
  format: { duration: string; start_time: string };
  packets: Array<{ codec_type: string; pts_time: string; flags: string }>;
}

function probe(data: Buffer, name: string): Probe {
  const path = tempPath(name);
  writeFileSync(path, data);
  const result = spawnSync("ffprobe", ["-v", "error", "-show_entries", "format=duration,start_time:packet=codec_type,pts_time,flags", "-of", "json", path], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as Probe;
}

function segmentAll(frames: readonly Frame[], targetDurationMs: number, audio?: "AAC"): TsSegment[] {
  const segmenter = new TsSegmenter({ targetDurationMs, ...(audio !== undefined ? { audio } : {}) });
  const segments: TsSegment[] = [];
  for (const frame of frames) {
    const closed = segmenter.push(frame);
    if (closed !== undefined) segments.push(closed);
  }
  const last = segmenter.flush();
  if (last !== undefined) segments.push(last);
  return segments;
}

/** Shifts every frame from `atSeconds` on by `stallSeconds`: a camera that stopped sending and resumed with its clock. */
function withStall<T extends Frame>(frames: readonly T[], atSeconds: number, stallSeconds: number, startPts: number): T[] {
  return frames.map((f) => {
    if (f.dts - startPts < atSeconds * 90000) return f;
    return { ...f, pts: wrapPts(f.pts + stallSeconds * 90000), dts: wrapPts(f.dts + stallSeconds * 90000) };
  });
}

describe("TsSegmenter", () => {
  const h264 = demuxed(videoFrames("H264", encodeTestVideo("H264", 320, 240, 30), 90000));

  it("cuts on keyframes a few seconds apart; each segment is valid MPEG-TS of the duration its index says", () => {
    const segments = segmentAll(h264, 4000);
    expect(segments.length).toBe(8); // GOP 1 s: cut at 4, 8, … 28 s
    for (const [i, segment] of segments.entries()) {
      expect(segment.data.length % TS_PACKET_SIZE).toBe(0);
      expect(segment.data[0]).toBe(0x47);
      const [stream] = ffprobeStreams(segment.data, `seg-${i}.ts`);
      expect(stream?.codec_name).toBe("h264");
      expect(Number(stream?.nb_read_frames)).toBe(segment.frames);
      const probed = probe(segment.data, `seg-${i}.ts`);
      expect(probed.packets[0]?.flags).toContain("K");
      expect(Number(probed.format.duration)).toBeCloseTo((segment.endTicks - segment.startTicks) / 90000, 1);
      expect(Number(probed.format.start_time)).toBeCloseTo(segment.startTicks / 90000, 3);
      if (i > 0) expect(segment.startTicks).toBe(segments[i - 1]!.endTicks);
    }
    expect(segments.at(-1)!.endTicks - segments[0]!.startTicks).toBe(30 * 90000);
  });

  it("keeps the frames' own timestamps across a camera stall (no re-timing by frame rate)", () => {
    const stalled = withStall(h264, 12.5, 5, 90000);
    const segments = segmentAll(stalled, 4000);
    const whole = Buffer.concat(segments.map((s) => s.data));
    const probed = probe(whole, "stalled.ts");
    expect(Number(probed.format.duration)).toBeCloseTo(35, 1);
    const times = probed.packets.filter((p) => p.codec_type === "video").map((p) => Number(p.pts_time));
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.max(...gaps)).toBeCloseTo(5.04, 2);
    expect(segments.reduce((sum, s) => sum + s.endTicks - s.startTicks, 0)).toBe(35 * 90000);
  });

  it("writes H.265", () => {
    const h265 = demuxed(videoFrames("H265", encodeTestVideo("H265", 320, 240, 6), 90000));
    const segments = segmentAll(h265, 2000);
    expect(segments.length).toBe(3);
    for (const [i, segment] of segments.entries()) {
      const [stream] = ffprobeStreams(segment.data, `hevc-${i}.ts`);
      expect(stream?.codec_name).toBe("hevc");
      expect(Number(stream?.nb_read_frames)).toBe(50);
    }
  });

  it("carries AAC audio beside the video; G.711 is left out", () => {
    const adts = splitAdtsFrames(encodeTestAudio("adts", 6));
    let pts = 90000;
    const aac: AudioFrame[] = adts.map((data) => {
      const frame: AudioFrame = { kind: "audio", codec: "AAC", pts, dts: pts, data, keyframe: true };
      pts += (1024 * 90000) / 16000;
      return frame;
    });
    const g711: AudioFrame[] = aac.map((f) => ({ ...f, codec: "G711A", data: Buffer.alloc(160, 0xd5) }));
    const video = h264.slice(0, 150);
    const [withAac] = segmentAll(interleave<VideoFrame, AudioFrame>(video, aac), 60_000, "AAC");
    const types = ffprobeStreams(withAac!.data, "aac.ts").map((s) => s.codec_name).sort();
    expect(types).toEqual(["aac", "h264"]);
    const [withG711] = segmentAll(interleave<VideoFrame, AudioFrame>(video, g711), 60_000);
    expect(ffprobeStreams(withG711!.data, "g711.ts").map((s) => s.codec_name)).toEqual(["h264"]);
  });

  it("unwraps the 33-bit clock inside a segment", () => {
    const start = PTS_MODULUS - 2 * 90000;
    const wrapped = demuxed(videoFrames("H264", encodeTestVideo("H264", 320, 240, 30), start)).slice(0, 125);
    const [segment] = segmentAll(wrapped, 60_000);
    expect(segment!.endTicks - segment!.startTicks).toBe(5 * 90000);
    const [stream] = ffprobeStreams(segment!.data, "wrap.ts");
    expect(Number(stream?.nb_read_frames)).toBe(125);
  });

  it("drops frames before the first keyframe", () => {
    const segments = segmentAll(h264.slice(10, 60), 60_000);
    expect(segments[0]!.frames).toBe(35);
  });
});
