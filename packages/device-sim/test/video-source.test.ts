import { readFile, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { h265NalType, splitAnnexB } from "@ivc/media";
import { generateTestPattern, parseVideoSource } from "../src/video-source.js";

let hevc: Buffer;
let hevcPath = "";

beforeAll(async () => {
  hevcPath = (await generateTestPattern(undefined, 2, "H265")) ?? "";
  if (!hevcPath) throw new Error("these tests need ffmpeg at /usr/bin/ffmpeg");
  hevc = await readFile(hevcPath);
});

afterAll(async () => {
  if (hevcPath) await rm(dirname(hevcPath), { recursive: true, force: true });
});

describe("parseVideoSource", () => {
  it("splits an H.265 stream from ffmpeg's libx265 into pictures with an IRAP keyframe every 25", () => {
    const source = parseVideoSource("H265", hevc);
    expect(source?.codec).toBe("H265");
    expect(source?.pictures).toHaveLength(50);
    const keyframes = source!.pictures.flatMap((p, i) => (p.keyframe ? [i] : []));
    expect(keyframes).toEqual([0, 25]);
    // The first picture carries VPS (32), SPS (33) and PPS (34) ahead of its IRAP slice.
    const types = splitAnnexB(source!.pictures[0]!.data).map(h265NalType);
    expect(types).toEqual(expect.arrayContaining([32, 33, 34]));
  });

  it("starts at the first keyframe and finds none in a stream cut after it", () => {
    const source = parseVideoSource("H265", hevc)!;
    const afterFirstKeyframe = Buffer.concat(source.pictures.slice(1, 20).map((p) => p.data));
    expect(parseVideoSource("H265", afterFirstKeyframe)).toBeUndefined();
  });
});
