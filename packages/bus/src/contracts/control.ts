import { z } from "zod";
import { defineRequest, subjectOf } from "../contract.js";

/**
 * Device control asked of signaling by the API (issue 6). Every request names the channel; the
 * device is optional (signaling finds a channel's device from the catalogs it assembled). Errors
 * come back as BusHandlerError codes: `device_offline`, `sip_timeout`, `device_refused`
 * (the device answered Result ERROR or a SIP failure), `ptz_unsupported`.
 */

const gbCode = z.string().regex(/^\d{20}$/, "a 20-digit GB code");
const target = { deviceId: gbCode.optional(), channelId: gbCode };

/** Spec 02 §15 `Type`, exactly as clients send it. */
export const ptzActions = [
  "up", "down", "left", "right", "leftup", "rightup", "leftdown", "rightdown",
  "zoomin", "zoomout", "focusfar", "focusnear", "irisin", "irisout",
] as const;
export type PtzAction = (typeof ptzActions)[number];

/**
 * One PTZ move: signaling sends the PTZCmd, then a stop PTZCmd after `pulseMs` (the platform API
 * has no stop command, so a move must never run on because a client went away).
 */
export const ptzControl = defineRequest(
  "sip.ptz",
  (p: { clusterId: string }) => subjectOf(p.clusterId, "sip", "ptz"),
  z.object({ ...target, action: z.enum(ptzActions), speed: z.number().int().min(1).max(8), pulseMs: z.number().int().min(50).max(10_000).optional() }),
  z.object({ result: z.literal("OK") }),
);

export const presetCommands = ["goto", "set", "del"] as const;

/** Spec 02 §16: PTZCmd preset call/set/delete (GB28181 A.3.5, command bytes 0x82/0x81/0x83). */
export const presetControl = defineRequest(
  "sip.preset",
  (p: { clusterId: string }) => subjectOf(p.clusterId, "sip", "preset"),
  z.object({ ...target, command: z.enum(presetCommands), index: z.number().int().min(1).max(255) }),
  z.object({ result: z.literal("OK") }),
);

/** Spec 02 §17: the device's presets from a (possibly multi-part) PresetQuery answer. */
export const presetQuery = defineRequest(
  "sip.preset.query",
  (p: { clusterId: string }) => subjectOf(p.clusterId, "sip", "preset", "query"),
  z.object(target),
  z.object({ presets: z.array(z.object({ index: z.number().int(), name: z.string() })), partial: z.boolean() }),
);

export const recordTypes = ["all", "time", "alarm", "manual"] as const;

/**
 * Spec 02 §20: the device's own recordings in [start, end] (epoch seconds) from a RecordInfo
 * query, multi-part answers assembled; times converted from the device's local time by signaling.
 */
export const recordQuery = defineRequest(
  "sip.record.query",
  (p: { clusterId: string }) => subjectOf(p.clusterId, "sip", "record", "query"),
  z.object({ ...target, start: z.number().int().nonnegative(), end: z.number().int().nonnegative(), type: z.enum(recordTypes).optional() }),
  z.object({
    sumNum: z.number().int().nonnegative(),
    partial: z.boolean(),
    items: z.array(z.object({ start: z.number().int(), end: z.number().int(), name: z.string().optional(), type: z.string().optional() })),
  }),
);

export const playbackActions = ["play", "pause", "teardown"] as const;

/**
 * Spec 02 §23: MANSRTSP over SIP INFO on a playback dialog (GB28181 Appendix B). `pos` seeks
 * (seconds from the recording start, `Range: npt=<pos>-`), `scale` changes speed; never both.
 */
export const playbackControl = defineRequest(
  "sip.playback.control",
  (p: { clusterId: string }) => subjectOf(p.clusterId, "sip", "playback", "control"),
  z.object({
    streamId: z.string().regex(/^\d{20}@[A-Za-z0-9_-]{1,64}$/, "<channelId>@<session>"),
    action: z.enum(playbackActions),
    scale: z.union([z.literal(0.25), z.literal(0.5), z.literal(1), z.literal(2), z.literal(4), z.literal(8)]).optional(),
    pos: z.number().nonnegative().optional(),
  }),
  z.object({ result: z.literal("OK") }),
);
