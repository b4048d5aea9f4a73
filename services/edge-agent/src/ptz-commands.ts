import type { gatewayPtz } from "@ivc/bus";
import { DeviceError, type DeviceManager } from "./devices/device-manager.js";
import type { DeviceRegistry } from "./devices/device-registry.js";
import type { OnvifResult } from "./onvif/onvif-client.js";
import type { PtzPulses } from "./ptz-pulses.js";

type PtzRequest = ReturnType<typeof gatewayPtz.request.parse>;
type PtzReply = { done: true; presetToken?: string; presets?: Array<{ token: string; name: string }> };

function unwrap<T>(result: OnvifResult<T>): T {
  if (!result.ok) throw new DeviceError("gateway_operation_failed", result.reason);
  return result.value;
}

/**
 * Runs one `gateway.ptz` request on the channel's ONVIF PTZ service (its media profile). A move
 * with `timeoutMs` is a pulse: `pulses` sends the Stop when it ends; any other command cancels it.
 */
export async function runPtz(registry: DeviceRegistry, devices: DeviceManager, pulses: PtzPulses, req: PtzRequest): Promise<PtzReply> {
  const found = registry.findChannel(req.channelId);
  if (!found) throw new DeviceError("gateway_operation_failed", `channel ${req.channelId} is unknown`);
  const profile = found.channel.profileToken;
  if (!found.device.onvif || !profile) throw new DeviceError("gateway_operation_failed", `channel ${req.channelId} has no ONVIF PTZ`);
  const client = devices.onvifClientOf(found.device);
  pulses.cancel(req.channelId);
  switch (req.action) {
    case "move":
      unwrap(await client.continuousMove(profile, req, req.timeoutMs));
      if (req.timeoutMs !== undefined) pulses.schedule(req.channelId, req.timeoutMs, () => client.stop(profile));
      return { done: true };
    case "stop":
      unwrap(await client.stop(profile));
      return { done: true };
    case "preset-goto":
      unwrap(await client.gotoPreset(profile, req.presetToken));
      return { done: true };
    case "preset-set":
      return { done: true, presetToken: unwrap(await client.setPreset(profile, req.presetName, req.presetToken)) };
    case "preset-remove":
      unwrap(await client.removePreset(profile, req.presetToken));
      return { done: true };
    case "preset-list":
      return { done: true, presets: unwrap(await client.getPresets(profile)) };
  }
}
