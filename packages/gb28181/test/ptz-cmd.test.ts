import { describe, expect, it } from "vitest";
import { decodePtzCmd, encodePtzCmd } from "../src/ptz-cmd.js";
import type { PtzCommand } from "../src/ptz-cmd.js";

describe("encodePtzCmd", () => {
  it("matches strings captured from WVP and devices", () => {
    // Sum A5+0F+01+08+00+FA+00 = 0x1B7 → B7.
    expect(encodePtzCmd({ type: "move", tilt: "up", tiltSpeed: 250 })).toBe("A50F010800FA00B7");
    expect(encodePtzCmd({ type: "stop" })).toBe("A50F0100000000B5");
    expect(encodePtzCmd({ type: "move", zoom: "in", zoomSpeed: 1 })).toBe("A50F0110000010D5");
    expect(encodePtzCmd({ type: "preset", action: "goto", index: 1 })).toBe("A50F018200010038");
    expect(encodePtzCmd({ type: "lens", focus: "far", focusSpeed: 0x80 })).toBe("A50F014180000076");
  });

  it("sets the direction bits of Table A.5 and FI bits of Table A.6", () => {
    const code = (command: PtzCommand) => encodePtzCmd(command).slice(6, 8);
    expect(code({ type: "move", pan: "right" })).toBe("01");
    expect(code({ type: "move", pan: "left" })).toBe("02");
    expect(code({ type: "move", tilt: "down" })).toBe("04");
    expect(code({ type: "move", tilt: "up", pan: "left" })).toBe("0A");
    expect(code({ type: "move", zoom: "out" })).toBe("20");
    expect(code({ type: "lens", focus: "near" })).toBe("42");
    expect(code({ type: "lens", iris: "open" })).toBe("44");
    expect(code({ type: "lens", iris: "close" })).toBe("48");
    expect(code({ type: "lens" })).toBe("40");
    expect(code({ type: "preset", action: "set", index: 3 })).toBe("81");
    expect(code({ type: "preset", action: "delete", index: 3 })).toBe("83");
    expect(code({ type: "aux", action: "on", switchNumber: 1 })).toBe("8C");
  });

  it("puts zoom speed and the address high nibble in byte 7", () => {
    expect(encodePtzCmd({ type: "move", zoom: "in", zoomSpeed: 0xf }, 0x3ff).slice(4, 14)).toBe("FF100000F3");
  });

  it("splits 12-bit cruise and scan speeds across bytes 6 and 7", () => {
    expect(encodePtzCmd({ type: "cruise", action: "speed", group: 2, value: 0x123 }).slice(6, 14)).toBe("86022310");
    expect(encodePtzCmd({ type: "scan", action: "speed", group: 1, speed: 0xabc }).slice(6, 14)).toBe("8A01BCA0");
  });

  it("throws on out-of-range parameters", () => {
    expect(() => encodePtzCmd({ type: "move", panSpeed: 256 })).toThrow(RangeError);
    expect(() => encodePtzCmd({ type: "move", zoomSpeed: 16 })).toThrow(RangeError);
    expect(() => encodePtzCmd({ type: "preset", action: "goto", index: 300 })).toThrow(RangeError);
    expect(() => encodePtzCmd({ type: "stop" }, 0x1000)).toThrow(RangeError);
  });
});

describe("decodePtzCmd", () => {
  it("decodes captured strings", () => {
    expect(decodePtzCmd("A50F010800FA00B7")).toEqual({
      ok: true,
      address: 1,
      command: { type: "move", tilt: "up", panSpeed: 0, tiltSpeed: 250, zoomSpeed: 0 },
    });
    expect(decodePtzCmd("a50f0100000000b5")).toEqual({ ok: true, address: 1, command: { type: "stop" } });
    expect(decodePtzCmd("A50F018200010038")).toEqual({ ok: true, address: 1, command: { type: "preset", action: "goto", index: 1 } });
  });

  it("round-trips every command family", () => {
    const commands: PtzCommand[] = [
      { type: "move", pan: "left", tilt: "down", zoom: "out", panSpeed: 10, tiltSpeed: 20, zoomSpeed: 3 },
      { type: "lens", focus: "near", iris: "close", focusSpeed: 5, irisSpeed: 6 },
      { type: "preset", action: "delete", index: 255 },
      { type: "cruise", action: "add", group: 1, value: 7 },
      { type: "cruise", action: "dwell", group: 1, value: 4000 },
      { type: "cruise", action: "start", group: 3, value: 0 },
      { type: "scan", action: "right", group: 2 },
      { type: "scan", action: "speed", group: 2, speed: 300 },
      { type: "aux", action: "off", switchNumber: 2 },
    ];
    for (const command of commands) expect(decodePtzCmd(encodePtzCmd(command, 0x234))).toEqual({ ok: true, address: 0x234, command });
  });

  it("rejects bad length, header, combination code, checksum and contradictory bits", () => {
    expect(decodePtzCmd("A50F01")).toEqual({ ok: false, reason: "expected 16 hex characters" });
    expect(decodePtzCmd("A60F0100000000B6")).toMatchObject({ ok: false, reason: "bad header 0xa6" });
    expect(decodePtzCmd("A51F0100000000C5")).toMatchObject({ ok: false, reason: "bad combination code 1" });
    expect(decodePtzCmd("A50F010800FA00B8")).toMatchObject({ ok: false, reason: "bad checksum 0xb8, expected 0xb7" });
    expect(decodePtzCmd("A50F0103000000B8")).toMatchObject({ ok: false, reason: "contradictory PTZ bits 0x3" });
    expect(decodePtzCmd("A50F01FF000000B4")).toMatchObject({ ok: false, reason: "unknown instruction code 0xff" });
  });
});
