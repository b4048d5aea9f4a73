import type { PtzAction } from "@ivc/bus";
import type { DevicePreset } from "./channel-control.js";

/** ONVIF PTZ velocities (PTZ Service Spec §5.3.3 ContinuousMove), each in [-1, 1]. */
export interface OnvifVelocity {
  readonly pan: number;
  readonly tilt: number;
  readonly zoom: number;
}

/**
 * How long a gateway channel's move runs before the box stops it: the sip-server's default
 * PTZ_PULSE, so one `control/ptz` moves a GB camera and an ONVIF camera alike.
 */
export const GATEWAY_PTZ_PULSE_MS = 500;

/** Spec 02 §15 Speed 1–8 as a share of the camera's full speed. */
const SPEED_STEPS = 8;

/** Direction of each pan/tilt/zoom Type: +pan right, +tilt up, +zoom in (ONVIF generic spaces). */
const DIRECTIONS: Partial<Record<PtzAction, OnvifVelocity>> = {
  up: { pan: 0, tilt: 1, zoom: 0 },
  down: { pan: 0, tilt: -1, zoom: 0 },
  left: { pan: -1, tilt: 0, zoom: 0 },
  right: { pan: 1, tilt: 0, zoom: 0 },
  leftup: { pan: -1, tilt: 1, zoom: 0 },
  rightup: { pan: 1, tilt: 1, zoom: 0 },
  leftdown: { pan: -1, tilt: -1, zoom: 0 },
  rightdown: { pan: 1, tilt: -1, zoom: 0 },
  zoomin: { pan: 0, tilt: 0, zoom: 1 },
  zoomout: { pan: 0, tilt: 0, zoom: -1 },
};

/**
 * The ContinuousMove of a spec 02 §15 Type at Speed 1–8 (speed/8 of full speed). undefined for
 * focusfar/focusnear/irisin/irisout: those are ONVIF Imaging (Move, Iris exposure), not PTZ, and
 * the box does not drive the imaging service.
 */
export function onvifVelocity(action: PtzAction, speed: number): OnvifVelocity | undefined {
  const direction = DIRECTIONS[action];
  if (direction === undefined) return undefined;
  const share = Math.min(Math.max(speed, 1), SPEED_STEPS) / SPEED_STEPS;
  // `+ 0` turns -0 into 0, which ONVIF cameras and logs read more plainly.
  return { pan: direction.pan * share + 0, tilt: direction.tilt * share + 0, zoom: direction.zoom * share + 0 };
}

/** An ONVIF preset as the box lists it (GetPresets). */
export interface OnvifPreset {
  readonly token: string;
  readonly name: string;
}

/** The ONVIF preset name this API gives preset Index n when it sets one: the index itself ("3"). */
export const presetNameOf = (index: number): string => String(index);

const indexName = (name: string): number | undefined => (/^(?:[1-9]|10)$/.test(name.trim()) ? Number(name.trim()) : undefined);

/**
 * Which ONVIF preset is Index n (1–10): the preset named "n" (as `control/preset/mange` set
 * names them); else the preset whose token is "n" — many cameras number their tokens 1, 2, … —
 * unless that preset is named after another index. Names win, so a preset set through this API
 * keeps its Index whatever token the camera chose.
 */
export function presetAtIndex(presets: readonly OnvifPreset[], index: number): OnvifPreset | undefined {
  const named = presets.find((p) => indexName(p.name) === index);
  if (named !== undefined) return named;
  return presets.find((p) => p.token === String(index) && indexName(p.name) === undefined);
}

/** The camera's presets that have an Index 1–10, by the rule of `presetAtIndex`. */
export function indexedPresets(presets: readonly OnvifPreset[]): DevicePreset[] {
  const found: DevicePreset[] = [];
  for (let index = 1; index <= 10; index++) {
    const preset = presetAtIndex(presets, index);
    if (preset !== undefined) found.push({ index, name: preset.name });
  }
  return found;
}
