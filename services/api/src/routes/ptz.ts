import { presetCommands, ptzActions } from "@ivc/bus";
import type { PtzAction } from "@ivc/bus";
import type { DevicePreset, PresetCommand } from "../bus/channel-control.js";
import { ErrorCodes } from "../errors/codes.js";
import { succeed } from "../errors/outcome.js";
import { defineRoute } from "../http/route.js";
import type { ApiRoute } from "../http/route.js";
import { UUID_PATTERN } from "../validation/patterns.js";
import { int, str } from "../validation/rules.js";
import { findControlChannel, PTZ_NEEDS } from "./control-target.js";
import * as data from "./data-schemas.js";
import type { RouteDeps } from "./deps.js";

const TAG = "ptz";

/** Spec 02 §15 `Speed`: 1–8, "超出或不填默认为4". */
export const PTZ_SPEED_MIN = 1;
export const PTZ_SPEED_MAX = 8;
export const PTZ_SPEED_DEFAULT = 4;

/** Spec 02 §16–17: only preset indexes 1–10 exist on this API ("只支持1-10的索引位置，超出报错"). */
export const PRESET_INDEX_MIN = 1;
export const PRESET_INDEX_MAX = 10;

export function ptzSpeed(speed: number | undefined): number {
  return speed !== undefined && speed >= PTZ_SPEED_MIN && speed <= PTZ_SPEED_MAX ? speed : PTZ_SPEED_DEFAULT;
}

/**
 * The device's presets as spec 02 §17 shows them: indexes 1–10 only, once each, in order. A preset
 * without a name is named after its index, as the example (`Index` 1, `Name` "1") and §16 (no way to
 * name a preset) suggest.
 */
export function presetView(presets: readonly DevicePreset[]): Array<{ Index: number; Name: string }> {
  const byIndex = new Map<number, string>();
  for (const p of presets) {
    if (p.index >= PRESET_INDEX_MIN && p.index <= PRESET_INDEX_MAX && !byIndex.has(p.index)) byIndex.set(p.index, p.name.trim());
  }
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([index, name]) => ({ Index: index, Name: name === "" ? String(index) : name }));
}

const oneOf = (values: readonly string[]) => ({ regex: new RegExp(`^(${values.join("|")})$`), text: `one of ${values.join(", ")}` });

const channelIdRule = str({ required: true, description: "Channel id", pattern: UUID_PATTERN, invalid: ErrorCodes.InvalidChannelId });

export function ptzRoutes(deps: RouteDeps): ApiRoute[] {
  const { db, channelControl } = deps;
  return [
    defineRoute({
      method: "POST",
      url: "/ivc/cms/control/ptz",
      summary:
        "ptz 控制 One PTZ move (pan/tilt, zoom, focus, iris) of a channel; signaling (or a gateway channel's box, over ONVIF) stops it after a short pulse, as the API has no stop command (spec 02 §15)",
      tag: TAG,
      query: {},
      body: {
        ChannelId: channelIdRule,
        Type: str({ required: true, description: "up, down, left, right, leftup, rightup, leftdown, rightdown, zoomin, zoomout, focusfar, focusnear, irisin (open), irisout (close)", pattern: oneOf(ptzActions) }),
        Speed: int({ required: false, description: "1–8; missing or out of range means 4" }),
      },
      data: data.nullData,
      async handle(caller, { body }) {
        const found = await findControlChannel(db, caller.appId, body.ChannelId, PTZ_NEEDS);
        if (!found.ok) return found;
        return channelControl.ptz(found.value.target, body.Type as PtzAction, ptzSpeed(body.Speed));
      },
    }),
    defineRoute({
      method: "POST",
      url: "/ivc/cms/control/preset/mange",
      summary: "预置位操作 Go to, set or delete preset 1–10 of a channel (spec 02 §16; the path's typo is the legacy API's)",
      tag: TAG,
      query: {},
      body: {
        ChannelId: channelIdRule,
        Cmd: str({ required: true, description: "goto (call), set, del", pattern: oneOf(presetCommands) }),
        Index: int({ required: true, description: "Preset index 1–10", min: PRESET_INDEX_MIN, max: PRESET_INDEX_MAX }),
      },
      data: data.nullData,
      async handle(caller, { body }) {
        const found = await findControlChannel(db, caller.appId, body.ChannelId, PTZ_NEEDS);
        if (!found.ok) return found;
        return channelControl.preset(found.value.target, body.Cmd as PresetCommand, body.Index);
      },
    }),
    defineRoute({
      method: "POST",
      url: "/ivc/cms/control/preset/get",
      summary: "预置位查询 The presets 1–10 the device reports for a channel (GB28181 PresetQuery; spec 02 §17)",
      tag: TAG,
      query: {},
      body: { ChannelId: channelIdRule },
      data: data.presetList,
      async handle(caller, { body }) {
        const found = await findControlChannel(db, caller.appId, body.ChannelId, PTZ_NEEDS);
        if (!found.ok) return found;
        const presets = await channelControl.presets(found.value.target);
        return presets.ok ? succeed(presetView(presets.value)) : presets;
      },
    }),
  ];
}
