import { beforeAll, describe, expect, it } from "vitest";
import { PsDemuxer } from "../src/ps/demuxer.js";
import { PsMuxer } from "../src/ps/muxer.js";
import { buildPackHeader } from "../src/ps/pack-header.js";
import { buildPes } from "../src/ps/pes.js";
import { buildPsm } from "../src/ps/psm.js";
import type { Frame, VideoFrame } from "../src/frame.js";
import { demuxed, FRAME_TICKS, g711Frames, interleave, videoFrames } from "./frames.js";
import { encodeTestAudio, encodeTestVideo } from "./media-tools.js";

let h264: VideoFrame[];

beforeAll(() => {
  h264 = videoFrames("H264", encodeTestVideo("H264", 330, 250, 2));
});

function muxAll(frames: readonly Frame[], muxer = new PsMuxer({ video: "H264", audio: "G711A" })): Buffer[] {
  return frames.map((frame) => muxer.mux(frame));
}

function demuxChunks(chunks: readonly Buffer[], demuxer = new PsDemuxer()): Frame[] {
  const out: Frame[] = [];
  for (const chunk of chunks) out.push(...demuxer.push(chunk));
  out.push(...demuxer.endFrame());
  return out;
}

function split(data: Buffer, sizes: () => number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < data.length; ) {
    const size = Math.max(1, sizes());
    chunks.push(data.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}

describe("PsDemuxer", () => {
  it("recovers every H.264 frame of a muxed stream, with timestamps and keyframe flags", () => {
    const demuxer = new PsDemuxer();
    const out = demuxChunks(muxAll(h264), demuxer);
    expect(out).toEqual(demuxed(h264));
    expect(demuxer.stats).toMatchObject({ garbageBytes: 0, truncatedPackets: 0, malformedPackets: 0, frames: h264.length });
    expect(demuxer.videoParameters).toMatchObject({ codec: "H264", width: 330, height: 250 });
  });

  it("gives identical frames when the stream is fed one byte at a time", () => {
    const stream = Buffer.concat(muxAll(h264.slice(0, 8)));
    expect(demuxChunks(split(stream, () => 1))).toEqual(demuxed(h264.slice(0, 8)));
  });

  it("gives identical frames for random chunk sizes", () => {
    const stream = Buffer.concat(muxAll(h264));
    expect(demuxChunks(split(stream, () => Math.floor(Math.random() * 3000)))).toEqual(demuxed(h264));
  });

  it("skips and counts garbage between packs, then resyncs on the next start code", () => {
    const garbage = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x02, 0x11]);
    const chunks = muxAll(h264.slice(0, 10)).flatMap((pack) => [garbage, pack]);
    const demuxer = new PsDemuxer();
    expect(demuxChunks(split(Buffer.concat(chunks), () => 700), demuxer)).toEqual(demuxed(h264.slice(0, 10)));
    expect(demuxer.stats.garbageBytes).toBe(garbage.length * 10);
  });

  it("drops only the frame whose PES lost bytes and keeps the following ones", () => {
    const packs = muxAll(h264.slice(0, 6));
    const damaged = packs[2]!;
    const third = Math.floor(damaged.length / 3);
    packs[2] = Buffer.concat([damaged.subarray(0, third), damaged.subarray(2 * third)]);
    const demuxer = new PsDemuxer();
    const out = demuxChunks(packs, demuxer);
    expect(out).toEqual(demuxed([h264[0], h264[1], ...h264.slice(3, 6)]));
    expect(demuxer.stats.truncatedPackets).toBe(1);
  });

  it("closes a frame when the RTP timestamp changes and drops a partial packet cut by loss", () => {
    const packs = muxAll(h264.slice(0, 3));
    const demuxer = new PsDemuxer();
    expect(demuxer.push(packs[0]!, 1000)).toEqual([]);
    expect(demuxer.push(packs[1]!.subarray(0, packs[1]!.length - 20), 2000)).toEqual(demuxed([h264[0]]));
    expect(demuxer.push(packs[2]!, 3000)).toEqual([]);
    expect(demuxer.endFrame()).toEqual(demuxed([h264[2]]));
    expect(demuxer.stats.truncatedPackets).toBe(1);
  });

  it("treats a new RTP timestamp opening with an audio PES as the end of a cut video packet", () => {
    const [videoPack, audioPack] = muxAll([h264[0]!, ...g711Frames("G711A", Buffer.alloc(160, 0xd5))]);
    const demuxer = new PsDemuxer();
    demuxer.push(videoPack!.subarray(0, videoPack!.length - 20), 1000);
    const audioPes = audioPack!.subarray(14);
    expect(demuxer.push(audioPes, 2000).map((f) => f.codec)).toEqual(["G711A"]);
    expect(demuxer.stats.truncatedPackets).toBe(1);
  });

  it("probes the video codec when the camera sends no PSM", () => {
    const frames = h264.slice(0, 3);
    const packs = frames.map((f) => Buffer.concat([buildPackHeader(f.dts), buildPes(0xe0, f.data, f.pts, f.dts)]));
    expect(demuxChunks(packs)).toEqual(demuxed(frames));
  });

  it("demuxes H.265 using the PSM stream type 0x24", () => {
    const h265 = videoFrames("H265", encodeTestVideo("H265", 320, 240, 1));
    const demuxer = new PsDemuxer();
    expect(demuxChunks(muxAll(h265, new PsMuxer({ video: "H265" })), demuxer)).toEqual(demuxed(h265));
    expect(demuxer.videoParameters).toMatchObject({ codec: "H265", width: 320, height: 240 });
  });

  it("demuxes G.711 audio interleaved with video", () => {
    const audio = g711Frames("G711A", encodeTestAudio("alaw", 1));
    const frames = interleave(h264.slice(0, 25), audio);
    const out = demuxChunks(muxAll(frames));
    expect(out.filter((f) => f.kind === "audio")).toEqual(audio);
    expect(out.filter((f) => f.kind === "video")).toEqual(demuxed(h264.slice(0, 25)));
  });

  it("splits a PES of several ADTS frames into AAC frames 1024 samples apart", () => {
    const adts = encodeTestAudio("adts", 1);
    const psm = buildPsm([{ streamId: 0xc0, streamType: 0x0f }]);
    const demuxer = new PsDemuxer();
    const out = demuxer.push(Buffer.concat([buildPackHeader(0), psm, buildPes(0xc0, adts.subarray(0, 2000), 9000)]));
    expect(out.length).toBeGreaterThan(1);
    expect(out.every((f) => f.codec === "AAC")).toBe(true);
    expect(out.map((f) => f.pts)).toEqual(out.map((_, i) => 9000 + Math.round((i * 1024 * 90000) / 16000)));
  });

  it("keeps 33-bit timestamps across the wrap and PTS different from DTS", () => {
    const frames = h264.slice(0, 4).map((f, i) => ({ ...f, dts: (2 ** 33 - 2 * FRAME_TICKS + i * FRAME_TICKS) % 2 ** 33, pts: (2 ** 33 - FRAME_TICKS + i * FRAME_TICKS) % 2 ** 33 }));
    expect(demuxChunks(muxAll(frames))).toEqual(demuxed(frames));
  });

  it("reassembles a frame larger than one PES", () => {
    const big: VideoFrame = { ...h264[0]!, data: Buffer.concat([h264[0]!.data, Buffer.alloc(200_000, 0x55)]) };
    const pack = new PsMuxer({ video: "H264" }).mux(big);
    expect(pack.subarray(14).indexOf(Buffer.from([0, 0, 1, 0xe0]), 0)).toBeGreaterThan(0);
    expect(demuxChunks(split(pack, () => 1400))).toEqual(demuxed([big]));
  });

  it("drops frames above maxFrameBytes and counts them", () => {
    const demuxer = new PsDemuxer({ maxFrameBytes: 1000 });
    const out = demuxChunks(muxAll(h264.slice(0, 3)), demuxer);
    expect(out.every((f) => f.data.length <= 1000)).toBe(true);
    expect(demuxer.stats.oversizedFrames).toBeGreaterThan(0);
  });

  it("counts PES of stream ids it does not carry", () => {
    const demuxer = new PsDemuxer();
    demuxer.push(Buffer.concat([buildPackHeader(0), buildPes(0xbd, Buffer.alloc(10), 0)]));
    expect(demuxer.stats.unknownStreamIds).toBe(1);
  });
});
