import { describe, expect, it } from "vitest";
import { splitAccessUnits } from "../src/codec/access-unit.js";
import { H264Nal, h264NalType, isH264Keyframe, parseH264Sps } from "../src/codec/h264.js";
import { joinAnnexB, splitAnnexB } from "../src/codec/nal.js";
import { encodeTestVideo } from "./media-tools.js";

function firstSps(es: Buffer): Buffer {
  return splitAnnexB(es).find((nal) => h264NalType(nal) === H264Nal.Sps)!;
}

describe("parseH264Sps", () => {
  it("reads the size of a 16-aligned stream and the VUI frame rate", () => {
    const info = parseH264Sps(firstSps(encodeTestVideo("H264", 320, 240, 1)));
    expect(info).toMatchObject({ width: 320, height: 240, profileIdc: 100, chromaFormatIdc: 1, frameRate: 25 });
  });

  it("applies frame cropping for sizes that are not macroblock multiples", () => {
    const info = parseH264Sps(firstSps(encodeTestVideo("H264", 330, 250, 1)));
    expect(info).toMatchObject({ width: 330, height: 250 });
  });

  it("returns undefined for truncated or non-SPS input", () => {
    const sps = firstSps(encodeTestVideo("H264", 320, 240, 1));
    expect(parseH264Sps(sps.subarray(0, 5))).toBeUndefined();
    expect(parseH264Sps(Buffer.from([0x68, 0xee, 0x3c, 0x80]))).toBeUndefined();
    expect(parseH264Sps(Buffer.alloc(0))).toBeUndefined();
  });
});

describe("splitAccessUnits (H.264)", () => {
  it("finds one access unit per encoded frame with keyframes at each GOP start", () => {
    const units = splitAccessUnits("H264", encodeTestVideo("H264", 320, 240, 2, 25));
    expect(units).toHaveLength(50);
    const keyframes = units.map((nals, i) => (isH264Keyframe(nals) ? i : -1)).filter((i) => i >= 0);
    expect(keyframes).toEqual([0, 25]);
    expect(units[0]!.map(h264NalType)).toEqual(expect.arrayContaining([H264Nal.Sps, H264Nal.Pps, H264Nal.Idr]));
  });

  it("reproduces the elementary stream NAL sequence when rejoined", () => {
    const es = encodeTestVideo("H264", 320, 240, 1);
    const rejoined = joinAnnexB(splitAccessUnits("H264", es).flat());
    expect(splitAnnexB(rejoined)).toEqual(splitAnnexB(es));
  });
});
