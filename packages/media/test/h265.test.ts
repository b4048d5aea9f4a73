import { describe, expect, it } from "vitest";
import { splitAccessUnits } from "../src/codec/access-unit.js";
import { H265Nal, h265NalType, isH265Keyframe, parseH265Sps } from "../src/codec/h265.js";
import { splitAnnexB } from "../src/codec/nal.js";
import { encodeTestVideo } from "./media-tools.js";

describe("parseH265Sps", () => {
  it.each([
    [320, 240],
    [330, 250],
  ])("reads %ix%i including the conformance window", (width, height) => {
    const sps = splitAnnexB(encodeTestVideo("H265", width, height, 1)).find((nal) => h265NalType(nal) === H265Nal.Sps)!;
    expect(parseH265Sps(sps)).toMatchObject({ width, height, generalProfileIdc: 1, chromaFormatIdc: 1, bitDepthLumaMinus8: 0 });
  });

  it("returns undefined for truncated input", () => {
    const sps = splitAnnexB(encodeTestVideo("H265", 320, 240, 1)).find((nal) => h265NalType(nal) === H265Nal.Sps)!;
    expect(parseH265Sps(sps.subarray(0, 12))).toBeUndefined();
  });
});

describe("splitAccessUnits (H.265)", () => {
  it("finds one access unit per frame and IRAP pictures at each GOP start", () => {
    const units = splitAccessUnits("H265", encodeTestVideo("H265", 320, 240, 2, 25));
    expect(units).toHaveLength(50);
    const keyframes = units.map((nals, i) => (isH265Keyframe(nals) ? i : -1)).filter((i) => i >= 0);
    expect(keyframes[0]).toBe(0);
    expect(keyframes.length).toBeGreaterThanOrEqual(2);
    expect(units[0]!.map(h265NalType)).toEqual(expect.arrayContaining([H265Nal.Vps, H265Nal.Sps, H265Nal.Pps]));
  });
});
