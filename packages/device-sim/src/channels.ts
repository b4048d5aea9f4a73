import { buildGbCode, parseGbCode } from "@ivc/gb28181";
import type { OnOff } from "@ivc/gb28181";

/** One video channel the simulated device exposes in its catalog. */
export interface SimulatedChannel {
  readonly id: string;
  readonly name: string;
  readonly status: OnOff;
}

/** "ipc": one camera channel; "nvr": many cameras behind one recorder. */
export type DeviceKind = "ipc" | "nvr";

export interface ChannelPlan {
  readonly deviceId: string;
  readonly kind: DeviceKind;
  readonly count: number;
  /** Names by position; missing ones default to "通道N" so charset bugs show up as mojibake. */
  readonly names?: readonly string[];
  /** IPC only: the single channel reuses the device ID (how some cameras report themselves). */
  readonly sameId?: boolean;
}

/** Channel sequence numbers per NVR; see nvrChannelSequence. */
export const MAX_NVR_CHANNELS = 999;

/** Type 131 = camera (GB/T 28181-2016 Table D.1). */
const CAMERA_TYPE = "131";

/**
 * NVR channels live under the NVR's domain; the NVR's own sequence picks a block of
 * 1000 so that many simulated NVRs in one domain (benchmarks) never share a channel ID.
 */
function nvrChannelSequence(deviceSequence: number, index: number): number {
  return (deviceSequence % 1000) * 1000 + index;
}

export function defaultChannelName(index: number): string {
  return `通道${index}`;
}

/** Channel list for a device; throws on a device ID that is not a GB code (caller validates input). */
export function planChannels(plan: ChannelPlan): SimulatedChannel[] {
  const code = parseGbCode(plan.deviceId);
  if (!code.ok) throw new RangeError(`device ID ${plan.deviceId}: ${code.reason}`);
  const network = Number(code.network);
  const sequence = Number(code.sequence);
  const name = (index: number) => plan.names?.[index - 1] ?? defaultChannelName(index);
  if (plan.kind === "ipc") {
    if (plan.count !== 1) throw new RangeError(`an IPC has exactly 1 channel, got ${plan.count}`);
    const id = plan.sameId ? plan.deviceId : buildGbCode({ domain: code.domain, type: CAMERA_TYPE, network, sequence });
    return [{ id, name: name(1), status: "ON" }];
  }
  if (!Number.isInteger(plan.count) || plan.count < 1 || plan.count > MAX_NVR_CHANNELS) {
    throw new RangeError(`NVR channel count must be 1..${MAX_NVR_CHANNELS}, got ${plan.count}`);
  }
  return Array.from({ length: plan.count }, (_, i) => ({
    id: buildGbCode({ domain: code.domain, type: CAMERA_TYPE, network, sequence: nvrChannelSequence(sequence, i + 1) }),
    name: name(i + 1),
    status: "ON" as const,
  }));
}
