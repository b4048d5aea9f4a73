import { isBusError, mediaPause, mediaTimeline, playbackControl, presetControl, presetQuery, ptzControl, recordQuery } from "@ivc/bus";
import type { Bus } from "@ivc/bus";
import { deviceChannelStreamId } from "@ivc/media";
import type { Outcome } from "../errors/outcome.js";
import { succeed } from "../errors/outcome.js";
import type { ChannelControl, ChannelTarget } from "./channel-control.js";
import { channelControlFailure } from "./channel-control.js";
import { createGatewayChannelControl } from "./gateway-channel-control.js";
import type { GatewayChannel } from "./gateway-channel-control.js";

/**
 * How long the API waits for signaling. A command is one MESSAGE and its answer; a query may be
 * assembled from several MESSAGEs (SumNum), so signaling gets longer to collect the parts. Both
 * exceed what signaling itself waits for the device, so a silent device comes back as the coded
 * `sip_timeout` and a bus timeout means signaling itself stalled.
 */
export const CONTROL_TIMEOUT_MS = 8000;
export const QUERY_TIMEOUT_MS = 15_000;

async function call<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return succeed(await work());
  } catch (err) {
    if (!isBusError(err)) throw err;
    return { ok: false, failure: channelControlFailure(err) };
  }
}

const scope = (target: ChannelTarget) => ({ clusterId: target.clusterId });
const names = (target: ChannelTarget) => ({ deviceId: target.deviceCode, channelId: target.channelCode });

/** A gateway channel's box, when `target` is one (its PTZ goes to the box, not to signaling). */
const boxOf = (target: ChannelTarget): GatewayChannel | undefined =>
  target.gwId === undefined ? undefined : { gwId: target.gwId, channelCode: target.channelCode };

export function createNatsChannelControl(bus: Bus): ChannelControl {
  const gateway = createGatewayChannelControl(bus);
  return {
    ptz: (target, action, speed) => {
      const box = boxOf(target);
      if (box) return gateway.ptz(box, action, speed);
      return call(async () => {
        await bus.request(ptzControl, scope(target), { ...names(target), action, speed }, { timeoutMs: CONTROL_TIMEOUT_MS });
        return null;
      });
    },
    preset: (target, command, index) => {
      const box = boxOf(target);
      if (box) return gateway.preset(box, command, index);
      return call(async () => {
        await bus.request(presetControl, scope(target), { ...names(target), command, index }, { timeoutMs: CONTROL_TIMEOUT_MS });
        return null;
      });
    },
    presets: (target) => {
      const box = boxOf(target);
      if (box) return gateway.presets(box);
      return call(async () => (await bus.request(presetQuery, scope(target), names(target), { timeoutMs: QUERY_TIMEOUT_MS })).presets);
    },
    recordings: (target, start, end) =>
      call(async () => (await bus.request(recordQuery, scope(target), { ...names(target), start, end }, { timeoutMs: QUERY_TIMEOUT_MS })).items),
    /**
     * A paused device sends no RTP, so the node's relay is told around PAUSE and PLAY (packages/bus
     * `media.pause`): before a PAUSE, so its no-RTP watchdog does not end the stream (and an unknown
     * stream is refused before the device is asked); after a PLAY, once RTP is coming again.
     */
    playback: (clusterId, streamId, command) =>
      call(async () => {
        const relay = (paused: boolean) => bus.request(mediaPause, { clusterId }, { streamId, paused }, { timeoutMs: CONTROL_TIMEOUT_MS });
        if (command.action === "pause") await relay(true);
        try {
          await bus.request(playbackControl, { clusterId }, { streamId, ...command }, { timeoutMs: CONTROL_TIMEOUT_MS });
        } catch (err) {
          // The device's refusal is the answer; a relay left paused only loses its no-RTP watchdog for this stream.
          if (command.action === "pause") await relay(false).catch(() => undefined);
          throw err;
        }
        if (command.action === "play") await relay(false);
        return null;
      }),
    // The relay keys a channel's plays by its viewer stream id `<device>_<channel>`.
    plays: (target) =>
      call(async () => (await bus.request(mediaTimeline, scope(target), { channelId: deviceChannelStreamId(target.deviceCode, target.channelCode) }, { timeoutMs: CONTROL_TIMEOUT_MS })).plays),
  };
}
