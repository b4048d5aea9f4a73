import type { BusError, PlayRecord, PtzAction } from "@ivc/bus";
import { ErrorCodes } from "../errors/codes.js";
import type { ErrorDef } from "../errors/codes.js";
import type { Failure, Outcome } from "../errors/outcome.js";

/**
 * What the control routes (spec 02 §15–17, §20, §23) ask of signaling about one channel. Routes
 * depend on this interface; nats-channel-control.ts implements it over packages/bus, tests use a fake.
 * Failures already carry the API code (see `channelControlFailure`).
 */
export interface ChannelTarget {
  /** The service node whose sip-server holds the device's registration. */
  readonly clusterId: string;
  readonly deviceCode: string;
  readonly channelCode: string;
  /** A gateway channel (AccessProtocol 3): the box that drives it over ONVIF PTZ, instead of signaling. */
  readonly gwId?: string;
}

export type PresetCommand = "goto" | "set" | "del";

export interface DevicePreset {
  readonly index: number;
  readonly name: string;
}

/** One RecordInfo item, epoch seconds. */
export interface RecordingSpan {
  readonly start: number;
  readonly end: number;
}

export type PlaybackAction = "play" | "pause" | "teardown";

/** Spec 02 §23 `Scale`: "范围（0.25,0.5,1,2,4,8）", the speeds the bus contract carries. */
export const PLAYBACK_SCALES = [0.25, 0.5, 1, 2, 4, 8] as const;
export type PlaybackScale = (typeof PLAYBACK_SCALES)[number];

export interface PlaybackCommand {
  readonly action: PlaybackAction;
  readonly scale?: PlaybackScale;
  /** Seconds from the recording's start. */
  readonly pos?: number;
}

export interface ChannelControl {
  ptz(target: ChannelTarget, action: PtzAction, speed: number): Promise<Outcome<null>>;
  preset(target: ChannelTarget, command: PresetCommand, index: number): Promise<Outcome<null>>;
  presets(target: ChannelTarget): Promise<Outcome<DevicePreset[]>>;
  recordings(target: ChannelTarget, start: number, end: number): Promise<Outcome<RecordingSpan[]>>;
  /** MANSRTSP on the playback dialog of stream `<channelCode>@<session>`. */
  playback(clusterId: string, streamId: string, command: PlaybackCommand): Promise<Outcome<null>>;
  /** The relay's last plays of the channel with their stages (packages/bus `media.timeline`). */
  plays(target: ChannelTarget): Promise<Outcome<PlayRecord[]>>;
}

/** BusHandlerError codes of packages/bus contracts/control.ts and the API code each one means. */
const REMOTE_CODES: ReadonlyMap<string, ErrorDef> = new Map([
  ["sip_timeout", ErrorCodes.SignalingTimeout],
  ["device_offline", ErrorCodes.DeviceOffline],
  // The device answered Result ERROR or a SIP failure: the table's GB-signaling failure.
  ["device_refused", ErrorCodes.GbSignalingFailed],
  // Same code as a channel whose PtzType is 0 (see docs/api-decisions.md).
  ["ptz_unsupported", ErrorCodes.InvalidDeviceType],
  ["stream_not_found", ErrorCodes.InvalidStreamId],
  // media-relay's answer to media.pause for a stream it does not hold.
  ["unknown_stream", ErrorCodes.InvalidStreamId],
]);

/**
 * A bus failure as the API reports it: no answer in time → 41637; a coded answer → its row above;
 * no sip-server on the node, an unknown code, a broken message or NATS down → 51602, as refresh does.
 */
export function channelControlFailure(err: BusError): Failure {
  if (err.kind === "timeout") return { error: ErrorCodes.SignalingTimeout, detail: `signaling did not answer in time: ${err.message}` };
  if (err.kind === "remote") {
    const error = REMOTE_CODES.get(err.remoteCode ?? "") ?? ErrorCodes.GbSignalingFailed;
    return { error, detail: `${err.remoteCode ?? "error"}: ${err.message}` };
  }
  if (err.kind === "no_responders") return { error: ErrorCodes.GbSignalingFailed, detail: "no sip-server serves the device's node" };
  return { error: ErrorCodes.GbSignalingFailed, detail: err.message };
}
