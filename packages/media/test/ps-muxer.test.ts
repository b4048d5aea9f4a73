import { describe, expect, it } from "vitest";
import { PsMuxer } from "../src/ps/muxer.js";
import { measurePsPacket } from "../src/ps/packet-boundary.js";
import { parsePes } from "../src/ps/pes.js";
import { parsePsm } from "../src/ps/psm.js";
import { crc32Mpeg } from "../src/ps/crc32.js";
import type { VideoFrame } from "../src/frame.js";
import { g711Frames, interleave, videoFrames } from "./frames.js";
import { encodeTestAudio, encodeTestVideo, ffprobeStreams } from "./media-tools.js";

/** Start codes of the packets in one muxed frame, walking by their declared lengths. */
function packetCodes(pack: Buffer): number[] {
  const codes: number[] = [];
  for (let offset = 0; offset < pack.length; ) {
    const measure = measurePsPacket(pack, offset);
    if (measure.kind !== "packet") throw new Error(`bad packet at ${offset}`);
    codes.push(pack[offset + 3]!);
    offset += measure.length;
  }
  return codes;
}

describe("PsMuxer", () => {
  const frames = videoFrames("H264", encodeTestVideo("H264", 330, 250, 2));

  it("writes pack header, system header and PSM before a keyframe, only a pack header before others", () => {
    const muxer = new PsMuxer({ video: "H264", audio: "G711A" });
    expect(packetCodes(muxer.mux(frames[0]!))).toEqual([0xba, 0xbb, 0xbc, 0xe0]);
    expect(packetCodes(muxer.mux(frames[1]!))).toEqual([0xba, 0xe0]);
  });

  it("maps 0xE0 to H.264 and 0xC0 to G.711A in a PSM with a valid CRC", () => {
    const pack = new PsMuxer({ video: "H264", audio: "G711A" }).mux(frames[0]!);
    const psmStart = pack.indexOf(Buffer.from([0, 0, 1, 0xbc]));
    const psm = pack.subarray(psmStart, psmStart + 6 + pack.readUInt16BE(psmStart + 4));
    expect(parsePsm(psm)).toEqual([
      { streamType: 0x1b, streamId: 0xe0 },
      { streamType: 0x90, streamId: 0xc0 },
    ]);
    expect(crc32Mpeg(psm)).toBe(0); // CRC over data + CRC field is 0 for CRC-32/MPEG-2
  });

  it("splits a frame over 65535 bytes into several PES, timestamps on the first only", () => {
    const big: VideoFrame = { ...frames[1]!, pts: 7200, dts: 3600, data: Buffer.alloc(150_000, 1) };
    const pack = new PsMuxer({ video: "H264" }).mux(big);
    expect(packetCodes(pack)).toEqual([0xba, 0xe0, 0xe0, 0xe0]);
    const firstPes = parsePes(pack.subarray(14, 14 + 6 + pack.readUInt16BE(18)))!;
    expect(firstPes).toMatchObject({ pts: 7200, dts: 3600 });
  });

  it("produces a program stream ffprobe decodes as H.264 with the right size and frame count", () => {
    const muxer = new PsMuxer({ video: "H264" });
    const ps = Buffer.concat(frames.map((f) => muxer.mux(f)));
    const [video] = ffprobeStreams(ps, "h264.ps", "mpeg");
    expect(video).toMatchObject({ codec_name: "h264", width: 330, height: 250, nb_read_frames: String(frames.length) });
  });

  it("throws when asked to mux a codec it was not configured for", () => {
    const audio = g711Frames("G711U", encodeTestAudio("mulaw", 1));
    const muxer = new PsMuxer({ video: "H264", audio: "G711A" });
    expect(() => interleave(frames, audio).map((f) => muxer.mux(f))).toThrow(/G711U/);
  });
});
