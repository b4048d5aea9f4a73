import { gatewayApiCode, gatewayPtz, isBusError } from "@ivc/bus";
import type { Bus, BusError, PtzAction } from "@ivc/bus";
import { ErrorCodes } from "../errors/codes.js";
import type { Failure, Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import type { DevicePreset, PresetCommand } from "./channel-control.js";
import { gatewayErrorDef } from "./gateway-control.js";
import { GATEWAY_PTZ_PULSE_MS, indexedPresets, onvifVelocity, presetAtIndex, presetNameOf } from "./onvif-ptz.js";

/** A box answers from its LAN camera, which answers ONVIF calls in well under a second. */
export const GATEWAY_PTZ_TIMEOUT_MS = 8000;

/** A channel of a gateway device: the box and the box's channel id (the channel code). */
export interface GatewayChannel {
  readonly gwId: string;
  readonly channelCode: string;
}

/** What the control routes ask of a box about one channel (`gw.ptz`, ONVIF PTZ on the box). */
export interface GatewayChannelControl {
  ptz(channel: GatewayChannel, action: PtzAction, speed: number): Promise<Outcome<null>>;
  preset(channel: GatewayChannel, command: PresetCommand, index: number): Promise<Outcome<null>>;
  presets(channel: GatewayChannel): Promise<Outcome<DevicePreset[]>>;
}

/**
 * A failed `gw.ptz` as the API reports it: no box listening → the device is offline (its box is
 * not connected, whatever the last heartbeat said); no answer in time → 41637; the box's coded
 * refusal (the camera's ONVIF fault, a channel without PTZ) → its G-error, else 51603.
 */
export function gatewayPtzFailure(err: BusError): Failure {
  if (err.kind === "no_responders") return { error: ErrorCodes.DeviceOffline, detail: "the gateway is not connected" };
  if (err.kind === "timeout") return { error: ErrorCodes.SignalingTimeout, detail: `the gateway did not answer in time: ${err.message}` };
  if (err.kind === "remote") return { error: gatewayErrorDef(gatewayApiCode(err.remoteCode)), detail: `gateway: ${err.message}` };
  return { error: ErrorCodes.GatewaySignalingFailed, detail: err.message };
}

type PtzRequest = ReturnType<typeof gatewayPtz.request.parse>;

export function createGatewayChannelControl(bus: Bus): GatewayChannelControl {
  const ask = async (channel: GatewayChannel, request: PtzRequest) => {
    try {
      return succeed(await bus.request(gatewayPtz, { gwId: channel.gwId }, request, { timeoutMs: GATEWAY_PTZ_TIMEOUT_MS }));
    } catch (err) {
      if (!isBusError(err)) throw err;
      return { ok: false as const, failure: gatewayPtzFailure(err) };
    }
  };
  const list = async (channel: GatewayChannel) => {
    const listed = await ask(channel, { action: "preset-list", channelId: channel.channelCode });
    return listed.ok ? succeed(listed.value.presets ?? []) : listed;
  };
  const done = (outcome: Outcome<unknown>): Outcome<null> => (outcome.ok ? succeed(null) : outcome);

  return {
    /** A pulse like GB's: the box sends ContinuousMove with this Timeout and a Stop after it. */
    async ptz(channel, action, speed) {
      const velocity = onvifVelocity(action, speed);
      if (velocity === undefined) return refuse(ErrorCodes.InvalidDeviceType, `${action} needs ONVIF imaging (focus/iris), which gateway channels do not offer`);
      return done(await ask(channel, { action: "move", channelId: channel.channelCode, ...velocity, timeoutMs: GATEWAY_PTZ_PULSE_MS }));
    },
    /** Index n ↔ ONVIF preset by `presetAtIndex`; a new preset is named "n". */
    async preset(channel, command, index) {
      const presets = await list(channel);
      if (!presets.ok) return presets;
      const existing = presetAtIndex(presets.value, index);
      const channelId = channel.channelCode;
      if (command === "set") {
        const target = existing === undefined ? { presetName: presetNameOf(index) } : { presetToken: existing.token, presetName: existing.name };
        return done(await ask(channel, { action: "preset-set", channelId, ...target }));
      }
      if (existing === undefined) {
        // Deleting what is not there leaves the camera as asked; going there cannot be done.
        return command === "del" ? succeed(null) : refuse(ErrorCodes.InvalidParameter, `the camera has no preset at Index ${index}`);
      }
      const action = command === "goto" ? "preset-goto" : "preset-remove";
      return done(await ask(channel, { action, channelId, presetToken: existing.token }));
    },
    async presets(channel) {
      const presets = await list(channel);
      return presets.ok ? succeed(indexedPresets(presets.value)) : presets;
    },
  };
}
