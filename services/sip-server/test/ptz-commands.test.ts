import { describe, expect, it } from "vitest";
import { ptzActions } from "@ivc/bus";
import { encodePtzCmd } from "@ivc/gb28181";
import { presetCommandOf, ptzCommandOf, scaleSpeed } from "../src/ptz-commands.js";
import { expectedHex, expectedPtzHex } from "./support/ptz-bytes.js";

describe("scaleSpeed", () => {
  it("maps 1–8 linearly onto a byte (32…255) and the zoom nibble (2…15)", () => {
    expect([1, 4, 8].map((s) => scaleSpeed(s, 255))).toEqual([32, 128, 255]);
    expect([1, 4, 8].map((s) => scaleSpeed(s, 15))).toEqual([2, 8, 15]);
  });
});

describe("ptzCommandOf", () => {
  it("gives the standard's bytes for every action at every speed", () => {
    for (const action of ptzActions) {
      for (let speed = 1; speed <= 8; speed++) {
        expect(encodePtzCmd(ptzCommandOf(action, speed)), `${action} at ${speed}`).toBe(expectedPtzHex(action, speed));
      }
    }
  });

  it("right at speed 8 is A50F010100FF00B5 and irisin opens the iris (spec 02 §15: 光圈放大)", () => {
    expect(encodePtzCmd(ptzCommandOf("right", 8))).toBe("A50F0101FF0000B5");
    expect(encodePtzCmd(ptzCommandOf("irisin", 8))).toBe(expectedHex(0x44, 0, 255, 0));
  });
});

describe("presetCommandOf", () => {
  it("set/goto/del are 0x81/0x82/0x83 with the index in byte 6", () => {
    expect(encodePtzCmd(presetCommandOf("set", 3))).toBe(expectedHex(0x81, 0, 3, 0));
    expect(encodePtzCmd(presetCommandOf("goto", 10))).toBe(expectedHex(0x82, 0, 10, 0));
    expect(encodePtzCmd(presetCommandOf("del", 255))).toBe(expectedHex(0x83, 0, 255, 0));
  });
});
