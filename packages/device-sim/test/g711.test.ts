import { describe, expect, it } from "vitest";
import { alawSine, alawToLinear, linearToAlaw } from "../src/g711.js";

describe("G.711 A-law", () => {
  it("encodes the reference points of ITU-T G.711 (silence 0xD5/0x55, full scale 0xAA/0x2A)", () => {
    expect(linearToAlaw(0)).toBe(0xd5);
    expect(linearToAlaw(-1)).toBe(0x55);
    expect(linearToAlaw(32767)).toBe(0xaa);
    expect(linearToAlaw(-32768)).toBe(0x2a);
  });

  it("decodes within the segment's quantisation step", () => {
    for (const sample of [-30000, -1000, -17, 0, 17, 1000, 12345, 30000]) {
      const error = Math.abs(alawToLinear(linearToAlaw(sample)) - sample);
      expect(error).toBeLessThanOrEqual(Math.max(16, Math.abs(sample) / 16));
    }
  });

  it("continues a sine across calls without a jump", () => {
    const whole = alawSine(0, 320, 440);
    expect(Buffer.concat([alawSine(0, 160, 440), alawSine(160, 160, 440)])).toEqual(whole);
    expect(new Set(whole).size).toBeGreaterThan(10);
  });
});
