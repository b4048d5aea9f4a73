import type { presetCommands, PtzAction } from "@ivc/bus";
import type { PtzCommand } from "@ivc/gb28181";

/** Spec 02 §15 speeds run 1–8; PTZCmd carries pan/tilt/focus/iris speeds in a byte and zoom in a nibble. */
const API_MAX_SPEED = 8;
const BYTE_MAX = 0xff;
const NIBBLE_MAX = 0xf;

/**
 * Speed s of 1–8 becomes round(s × max / 8): 1 → 32 and 8 → 255 for a byte, 1 → 2 and 8 → 15 for
 * the zoom nibble. Linear, so the top API speed is the device's full speed and speed 1 is still
 * visibly moving (cameras ignore the lowest few byte values).
 */
export function scaleSpeed(speed: number, max: number): number {
  return Math.round((speed * max) / API_MAX_SPEED);
}

/** The PTZCmd (GB/T 28181-2016 A.3.2 PTZ, A.3.3 FI) for one spec 02 §15 `Type` at `speed` 1–8. */
export function ptzCommandOf(action: PtzAction, speed: number): PtzCommand {
  const byte = scaleSpeed(speed, BYTE_MAX);
  const pan = (direction: "left" | "right") => ({ pan: direction, panSpeed: byte });
  const tilt = (direction: "up" | "down") => ({ tilt: direction, tiltSpeed: byte });
  switch (action) {
    case "up":
    case "down":
      return { type: "move", ...tilt(action) };
    case "left":
    case "right":
      return { type: "move", ...pan(action) };
    case "leftup":
      return { type: "move", ...pan("left"), ...tilt("up") };
    case "rightup":
      return { type: "move", ...pan("right"), ...tilt("up") };
    case "leftdown":
      return { type: "move", ...pan("left"), ...tilt("down") };
    case "rightdown":
      return { type: "move", ...pan("right"), ...tilt("down") };
    case "zoomin":
      return { type: "move", zoom: "in", zoomSpeed: scaleSpeed(speed, NIBBLE_MAX) };
    case "zoomout":
      return { type: "move", zoom: "out", zoomSpeed: scaleSpeed(speed, NIBBLE_MAX) };
    case "focusfar":
      return { type: "lens", focus: "far", focusSpeed: byte };
    case "focusnear":
      return { type: "lens", focus: "near", focusSpeed: byte };
    case "irisin":
      // Spec 02 §15 prints irisin = 光圈放大 (enlarge, A.3.3 bit 2) and irisout = 光圈缩小 (shrink, bit 3).
      return { type: "lens", iris: "open", irisSpeed: byte };
    case "irisout":
      return { type: "lens", iris: "close", irisSpeed: byte };
  }
}

type PresetCommand = (typeof presetCommands)[number];

const PRESET_ACTIONS = { set: "set", goto: "goto", del: "delete" } as const;

/** A.3.4: 0x81 set, 0x82 call, 0x83 delete, the index in byte 6. */
export function presetCommandOf(command: PresetCommand, index: number): PtzCommand {
  return { type: "preset", action: PRESET_ACTIONS[command], index };
}
