import { beforeAll, describe, expect, it } from "vitest";
import { splitAdtsFrames } from "../src/codec/aac.js";
import { H265Nal, h265NalType } from "../src/codec/h265.js";
import { splitAnnexB, unescapeRbsp } from "../src/codec/nal.js";
import type { AudioFrame, Frame, VideoFrame } from "../src/frame.js";
import { FlvMuxer } from "../src/flv/muxer.js";
import { buildOnMetaData } from "../src/flv/metadata.js";
import { FRAME_TICKS, g711Frames, interleave, videoFrames } from "./frames.js";
import { encodeTestAudio, encodeTestVideo, ffprobeStreams } from "./media-tools.js";

let h264: VideoFrame[];

beforeAll(() => {
  h264 = videoFrames("H264", encodeTestVideo("H264", 330, 250, 2));
});

function muxToFile(frames: readonly Frame[], muxer = new FlvMuxer()): Buffer {
  const tags = frames.flatMap((f) => muxer.push(f)).map((t) => t.data);
  return Buffer.concat([muxer.init()!, ...tags]);
}

function aacFrames(adts: Buffer, startPts = 90000): AudioFrame[] {
  return splitAdtsFrames(adts).map((data, i) => {
    const pts = startPts + Math.round((i * 1024 * 90000) / 16000);
    return { kind: "audio", codec: "AAC", pts, dts: pts, data, keyframe: true };
  });
}

interface ParsedTag {
  type: number;
  timestampMs: number;
  body: Buffer;
}

/** Walks FLV tags after the 9-byte header + PreviousTagSize0, checking every PreviousTagSize. */
function parseFlvTags(file: Buffer): ParsedTag[] {
  const tags: ParsedTag[] = [];
  for (let offset = 13; offset < file.length; ) {
    const size = file.readUIntBE(offset + 1, 3);
    const timestampMs = file.readUIntBE(offset + 4, 3) + file[offset + 7]! * 2 ** 24;
    tags.push({ type: file[offset]!, timestampMs, body: file.subarray(offset + 11, offset + 11 + size) });
    expect(file.readUInt32BE(offset + 11 + size)).toBe(11 + size);
    offset += 11 + size + 4;
  }
  return tags;
}

describe("FlvMuxer with H.264", () => {
  it("writes an FLV ffprobe reads as H.264 with the right size and frame count", () => {
    const [video] = ffprobeStreams(muxToFile(h264, new FlvMuxer({ audio: false })), "h264.flv");
    expect(video).toMatchObject({ codec_name: "h264", width: 330, height: 250, nb_read_frames: String(h264.length) });
  });

  it("writes the same bytes from the NAL units a demuxer already found as from rescanning the access unit", () => {
    const withNalus = h264.map((f) => ({ ...f, nalus: splitAnnexB(f.data) }));
    expect(muxToFile(withNalus)).toEqual(muxToFile(h264));
  });

  it("starts timestamps at 0 and steps 40 ms per frame, across a 33-bit PTS wrap", () => {
    const wrapping = h264.slice(0, 10).map((f, i) => {
      const t = (2 ** 33 - 5 * FRAME_TICKS + i * FRAME_TICKS) % 2 ** 33;
      return { ...f, pts: t, dts: t };
    });
    const muxer = new FlvMuxer();
    expect(wrapping.flatMap((f) => muxer.push(f)).map((t) => t.timestampMs)).toEqual(wrapping.map((_, i) => i * 40));
  });

  it("has no init and emits nothing before the first SPS/PPS and keyframe", () => {
    const muxer = new FlvMuxer();
    expect(muxer.push(h264[1]!)).toEqual([]);
    expect(muxer.init()).toBeUndefined();
    expect(muxer.push(h264[0]!).map((t) => t.keyframe)).toEqual([true]);
    expect(muxer.init()).toBeDefined();
    expect(muxer.stats.droppedBeforeKeyframe).toBe(1);
  });

  it("writes the AVC sequence header into init and length-prefixed NAL units without SPS/PPS into frames", () => {
    const muxer = new FlvMuxer({ audio: false });
    const [tag] = muxer.push(h264[0]!);
    const tags = parseFlvTags(muxer.init()!);
    expect(tags.map((t) => t.type)).toEqual([18, 9]);
    const seq = tags[1]!.body;
    expect([...seq.subarray(0, 6)]).toEqual([0x17, 0, 0, 0, 0, 1]);
    const frameBody = tag!.data.subarray(11, tag!.data.length - 4);
    expect([...frameBody.subarray(0, 5)]).toEqual([0x17, 1, 0, 0, 0]);
    const firstNalLength = frameBody.readUInt32BE(5);
    expect(frameBody[9]! & 0x1f).not.toBe(7);
    expect(frameBody.length).toBeGreaterThan(9 + firstNalLength - 1);
  });

  it("writes the composition time PTS − DTS in milliseconds", () => {
    const muxer = new FlvMuxer();
    muxer.push(h264[0]!);
    const [tag] = muxer.push({ ...h264[1]!, pts: h264[1]!.dts + 2 * FRAME_TICKS });
    expect(tag!.data.readIntBE(11 + 2, 3)).toBe(80);
  });

  it("emits a new sequence header in-stream when the resolution changes, and init follows", () => {
    const other = videoFrames("H264", encodeTestVideo("H264", 320, 240, 1), h264[2]!.pts + FRAME_TICKS);
    const muxer = new FlvMuxer();
    muxer.push(h264[0]!);
    muxer.push(h264[1]!);
    const tags = muxer.push(other[0]!);
    expect(tags.map((t) => t.sequenceHeader)).toEqual([true, false]);
    expect(muxer.videoParameters).toMatchObject({ width: 320, height: 240 });
  });
});

describe("FlvMuxer with audio", () => {
  it.each([
    ["alaw", "G711A", "pcm_alaw"],
    ["mulaw", "G711U", "pcm_mulaw"],
  ] as const)("writes G.711 %s that ffprobe reads as %s at 8 kHz mono", (format, codec, name) => {
    const audio = g711Frames(codec, encodeTestAudio(format, 1));
    const [stream] = ffprobeStreams(muxToFile(audio, new FlvMuxer({ video: false })), `${format}.flv`);
    expect(stream).toMatchObject({ codec_name: name, sample_rate: "8000", channels: 1, nb_read_frames: String(audio.length) });
  });

  it("writes H.264 + AAC that ffprobe reads as both streams", () => {
    const aac = aacFrames(encodeTestAudio("adts", 2));
    const streams = ffprobeStreams(muxToFile(interleave(h264, aac)), "h264-aac.flv");
    const audio = streams.find((s) => s.codec_type === "audio");
    expect(streams.find((s) => s.codec_type === "video")).toMatchObject({ codec_name: "h264", width: 330 });
    expect(audio).toMatchObject({ codec_name: "aac", sample_rate: "16000", channels: 1 });
    expect(Number(audio!.nb_read_frames)).toBeGreaterThanOrEqual(aac.length - 1);
  });

  it("drops audio until the video configuration exists", () => {
    const muxer = new FlvMuxer();
    const [first] = g711Frames("G711A", Buffer.alloc(320));
    expect(muxer.push(first!)).toEqual([]);
    expect(muxer.stats.droppedAudio).toBe(1);
  });
});

describe("FlvMuxer with H.265 (Enhanced RTMP v1)", () => {
  it("builds init and frame tags field by field per the Enhanced RTMP spec", () => {
    const h265 = videoFrames("H265", encodeTestVideo("H265", 320, 240, 1));
    const nals = splitAnnexB(h265[0]!.data);
    const byType = (type: number) => nals.find((n) => h265NalType(n) === type)!;
    const muxer = new FlvMuxer({ audio: false });
    const [keyTag] = muxer.push(h265[0]!);
    const [interTag] = muxer.push(h265[1]!);
    const [ctsTag] = muxer.push({ ...h265[2]!, pts: h265[2]!.dts + FRAME_TICKS });
    const init = muxer.init()!;

    expect([...init.subarray(0, 13)]).toEqual([0x46, 0x4c, 0x56, 1, 0x01, 0, 0, 0, 9, 0, 0, 0, 0]);
    const [script, seq] = parseFlvTags(init);
    expect(script!.type).toBe(18);
    expect(script!.body.includes(Buffer.from("videocodecid"))).toBe(true);
    expect(seq!.type).toBe(9);
    const body = seq!.body;
    // IsExHeader=1, FrameType=1 (key), PacketType=0 (SequenceStart), FourCC 'hvc1'
    expect(body[0]).toBe(0x90);
    expect(body.subarray(1, 5).toString("ascii")).toBe("hvc1");
    const record = body.subarray(5);
    expect(record[0]).toBe(1); // configurationVersion
    expect(record[1]! & 0x1f).toBe(1); // general_profile_idc Main
    // general_level_idc, from the escaped SPS: 2-byte header, then byte 12 of profile_tier_level's RBSP
    expect(record[12]).toBe(unescapeRbsp(byType(H265Nal.Sps))[2 + 12]);
    expect(record[16]).toBe(0xfc | 1); // chroma_format_idc 4:2:0
    expect(record[21]! & 0x03).toBe(3); // lengthSizeMinusOne
    expect(record[22]).toBe(3); // numOfArrays
    let offset = 23;
    for (const type of [H265Nal.Vps, H265Nal.Sps, H265Nal.Pps]) {
      expect(record[offset]! & 0x3f).toBe(type);
      expect(record.readUInt16BE(offset + 1)).toBe(1);
      const length = record.readUInt16BE(offset + 3);
      expect(record.subarray(offset + 5, offset + 5 + length).equals(byType(type))).toBe(true);
      offset += 5 + length;
    }
    expect(offset).toBe(record.length);

    const keyBody = keyTag!.data.subarray(11, keyTag!.data.length - 4);
    expect(keyBody[0]).toBe(0x80 | 0x10 | 3); // key frame, CodedFramesX (composition time 0)
    expect(keyBody.subarray(1, 5).toString("ascii")).toBe("hvc1");
    const sliceLength = keyBody.readUInt32BE(5);
    expect(h265NalType(keyBody.subarray(9, 9 + sliceLength))).toBeGreaterThanOrEqual(16);
    expect(interTag!.data[11]).toBe(0x80 | 0x20 | 3);
    expect(ctsTag!.data[11]).toBe(0x80 | 0x20 | 1); // CodedFrames carries SI24 composition time
    expect(ctsTag!.data.readIntBE(11 + 5, 3)).toBe(40);
  });

  it("announces HEVC in onMetaData by its FourCC as a number", () => {
    const body = buildOnMetaData({ video: { codec: "H265", width: 1920, height: 1080 } });
    const at = body.indexOf(Buffer.from("videocodecid")) + "videocodecid".length;
    expect(body[at]).toBe(0x00);
    expect(body.readDoubleBE(at + 1)).toBe(0x68766331);
  });
});
