import { describe, expect, it } from "vitest";
import { indexedPresets, onvifVelocity, presetAtIndex } from "../src/bus/onvif-ptz.js";

describe("onvifVelocity", () => {
  it("maps the eight directions to pan/tilt signs and zoom in/out to zoom, at Speed/8 of full speed", () => {
    expect(onvifVelocity("up", 8)).toEqual({ pan: 0, tilt: 1, zoom: 0 });
    expect(onvifVelocity("down", 4)).toEqual({ pan: 0, tilt: -0.5, zoom: 0 });
    expect(onvifVelocity("left", 2)).toEqual({ pan: -0.25, tilt: 0, zoom: 0 });
    expect(onvifVelocity("rightdown", 8)).toEqual({ pan: 1, tilt: -1, zoom: 0 });
    expect(onvifVelocity("leftup", 1)).toEqual({ pan: -0.125, tilt: 0.125, zoom: 0 });
    expect(onvifVelocity("zoomin", 6)).toEqual({ pan: 0, tilt: 0, zoom: 0.75 });
    expect(onvifVelocity("zoomout", 8)).toEqual({ pan: 0, tilt: 0, zoom: -1 });
  });

  it("never writes -0 and keeps every speed inside ONVIF's [-1, 1]", () => {
    const v = onvifVelocity("left", 99);
    expect(v).toEqual({ pan: -1, tilt: 0, zoom: 0 });
    expect(Object.is(v?.tilt, -0)).toBe(false);
  });

  it("has no PTZ move for focus and iris (ONVIF imaging)", () => {
    for (const action of ["focusfar", "focusnear", "irisin", "irisout"] as const) expect(onvifVelocity(action, 4)).toBeUndefined();
  });
});

describe("preset indexes", () => {
  const camera = [
    { token: "1", name: "door" },
    { token: "7", name: "3" },
    { token: "3", name: "till" },
    { token: "2", name: "5" },
    { token: "tok-x", name: "back office" },
  ];

  it("finds Index n by a preset named n first, then by token n unless that preset is named after another index", () => {
    expect(presetAtIndex(camera, 1)).toEqual({ token: "1", name: "door" });
    expect(presetAtIndex(camera, 3)).toEqual({ token: "7", name: "3" });
    expect(presetAtIndex(camera, 5)).toEqual({ token: "2", name: "5" });
    // Token 2 is named "5", so it is Index 5, not Index 2.
    expect(presetAtIndex(camera, 2)).toBeUndefined();
    expect(presetAtIndex(camera, 4)).toBeUndefined();
  });

  it("lists the presets that have an Index 1–10, in index order, with the camera's names", () => {
    expect(indexedPresets(camera)).toEqual([
      { index: 1, name: "door" },
      { index: 3, name: "3" },
      { index: 5, name: "5" },
    ]);
  });
});
