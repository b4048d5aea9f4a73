import { writeFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { splitAdtsFrames } from "../src/codec/aac.js";
import { splitAnnexB } from "../src/codec/nal.js";
import type { AudioFrame, Frame, VideoFrame } from "../src/frame.js";
import { FlvDemuxer } from "../src/flv/demuxer.js";
import { FlvMuxer } from "../src/flv/muxer.js";
import { FlvReader } from "../src/flv/reader.js";
import { g711Frames, interleave, videoFrames } from "./frames.js";
import { encodeTestAudio, encodeTestVideo, ffmpeg, tempPath } from "./media-tools.js";

let h264: VideoFrame[];
let h265: VideoFrame[];

beforeAll(() => {
  h264 = videoFrames("H264", encodeTestVideo("H264", 320, 240, 2));
  h265 = videoFrames("H265", encodeTestVideo("H265", 320, 240, 1));
});

function mux(frames: readonly Frame[]): Buffer {
  const muxer = new FlvMuxer();
  const tags = frames.flatMap((f) => muxer.push(f)).map((t) => t.data);
  return Buffer.concat([muxer.init()!, ...tags]);
}

function demux(flv: Buffer, step = flv.length): { frames: Frame[]; demuxer: FlvDemuxer } {
  const reader = new FlvReader();
  const demuxer = new FlvDemuxer();
  const frames: Frame[] = [];
  for (let i = 0; i < flv.length; i += step) {
    const read = reader.push(flv.subarray(i, i + step));
    expect(read.ok).toBe(true);
    for (const tag of read.tags) frames.push(...demuxer.push(tag));
  }
  return { frames, demuxer };
}

/** Slice NAL units only: parameter sets and delimiters differ by design between the two forms. */
function sliceNals(frame: Frame): string[] {
  return splitAnnexB(frame.data)
    .filter((nal) => (frame.codec === "H264" ? (nal[0]! & 0x1f) <= 5 : ((nal[0]! >> 1) & 0x3f) < 32))
    .map((nal) => nal.toString("hex"));
}

describe("FLV demuxer", () => {
  it("turns our H.264 FLV back into the same access units, parameter sets before each keyframe, fed in 1000-byte reads", () => {
    const { frames, demuxer } = demux(mux(h264), 1000);
    const video = frames.filter((f): f is VideoFrame => f.kind === "video");
    expect(video).toHaveLength(h264.length);
    expect(demuxer.videoCodec).toBe("H264");
    video.forEach((frame, i) => {
      expect(frame.keyframe).toBe(h264[i]!.keyframe);
      expect(sliceNals(frame)).toEqual(sliceNals(h264[i]!));
      expect(frame.dts - video[0]!.dts).toBe(Math.round((h264[i]!.dts - h264[0]!.dts) / 90) * 90);
    });
    const types = splitAnnexB(video[0]!.data).map((nal) => nal[0]! & 0x1f);
    expect(types.slice(0, 2)).toEqual([7, 8]);
    expect(types).toContain(5);
  });

  it("reads HEVC as Enhanced RTMP hvc1 and as legacy codec id 12", () => {
    const enhanced = demux(mux(h265)).frames.filter((f) => f.kind === "video");
    expect(enhanced).toHaveLength(h265.length);
    expect(enhanced[0]).toMatchObject({ codec: "H265", keyframe: true });
    expect(splitAnnexB(enhanced[0]!.data).map((nal) => (nal[0]! >> 1) & 0x3f).slice(0, 3)).toEqual([32, 33, 34]);
    expect(sliceNals(enhanced[5]!)).toEqual(sliceNals(h265[5]!));

    // Legacy: same record and samples, with the AVC-style header and codec id 12.
    const reader = new FlvReader();
    const legacy = reader.push(mux(h265)).tags.map((tag) => {
      if (tag.type !== 9) return tag;
      const first = tag.body[0]!;
      const packetType = first & 0x0f;
      const frameType = (first >> 4) & 0x07;
      const cts = packetType === 1 ? tag.body.subarray(5, 8) : Buffer.alloc(3);
      const payload = tag.body.subarray(packetType === 1 ? 8 : 5);
      return { ...tag, body: Buffer.concat([Buffer.from([(frameType << 4) | 12, packetType === 3 ? 1 : packetType]), cts, payload]) };
    });
    const demuxer = new FlvDemuxer();
    const frames = legacy.flatMap((tag) => demuxer.push(tag));
    expect(frames).toHaveLength(h265.length);
    expect(sliceNals(frames[5]!)).toEqual(sliceNals(h265[5]!));
  });

  it("gives AAC ADTS frames identical to ffmpeg's when fed an ffmpeg-made FLV", () => {
    const adts = encodeTestAudio("adts", 1);
    const input = tempPath("sine-demux.aac");
    writeFileSync(input, adts);
    const flv = ffmpeg(["-f", "aac", "-i", input, "-c:a", "copy", "-f", "flv"], "aac.flv");
    const audio = demux(flv).frames.filter((f): f is AudioFrame => f.kind === "audio");
    const original = splitAdtsFrames(adts);
    expect(audio.length).toBe(original.length);
    expect(audio[3]!.data.equals(original[3]!)).toBe(true);
    expect(audio[3]!.codec).toBe("AAC");
  });

  it("passes G.711 A-law and µ-law samples through with 90 kHz timestamps", () => {
    const alaw = g711Frames("G711A", encodeTestAudio("alaw", 1));
    const frames = demux(mux(interleave(h264.slice(0, 25), alaw))).frames.filter((f) => f.kind === "audio");
    expect(frames.length).toBeGreaterThan(0);
    expect(frames[0]!.codec).toBe("G711A");
    expect(frames[0]!.data.equals(alaw.find((a) => a.data.equals(frames[0]!.data))!.data)).toBe(true);
    const mulaw = new FlvDemuxer().push({ type: 8, timestampMs: 40, body: Buffer.from([0x82, 1, 2, 3]) });
    expect(mulaw).toEqual([{ kind: "audio", codec: "G711U", pts: 3600, dts: 3600, data: Buffer.from([1, 2, 3]), keyframe: true }]);
  });

  it("drops frames before a sequence header and counts malformed tags instead of throwing", () => {
    const demuxer = new FlvDemuxer();
    expect(demuxer.push({ type: 9, timestampMs: 0, body: Buffer.from([0x27, 1, 0, 0, 0, 0, 0, 0, 1, 0x41]) })).toEqual([]);
    expect(demuxer.stats.dropped).toBe(1);
    expect(demuxer.push({ type: 9, timestampMs: 0, body: Buffer.from([0x17, 0, 0, 0, 0, 2, 3]) })).toEqual([]);
    expect(demuxer.push({ type: 9, timestampMs: 0, body: Buffer.from([]) })).toEqual([]);
    expect(demuxer.push({ type: 8, timestampMs: 0, body: Buffer.from([0xaf, 0, 0xff]) })).toEqual([]);
    expect(demuxer.stats.malformed).toBe(3);
    let seed = 3;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const valid = new FlvReader().push(mux(h264.slice(0, 30))).tags;
    for (let i = 0; i < 20_000; i++) {
      const tag = valid[Math.floor(rand() * valid.length)]!;
      const body = Buffer.from(tag.body.subarray(0, Math.floor(rand() * tag.body.length) + 1));
      body[Math.floor(rand() * body.length)] = Math.floor(rand() * 256);
      expect(() => demuxer.push({ ...tag, body })).not.toThrow();
    }
  });

  it("refuses a stream that is not FLV", () => {
    expect(new FlvReader().push(Buffer.from("GIF89a-not-flv"))).toMatchObject({ ok: false, reason: "not an FLV stream" });
  });
});

