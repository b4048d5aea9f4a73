import type { DeviceControl } from "../bus/device-control.js";
import { AccessProtocol, DeviceStatus } from "../store/device-enums.js";

/** The device fields the decoration reads. */
interface DeviceRef {
  Code: string;
  ClusterId: string;
  AccessProtocol: number;
  Status: number;
}

/**
 * Adds `LastKeepaliveTime` (an extension, docs/api-decisions.md "Devices"): epoch seconds of the
 * last keepalive (or REGISTER) the device's sip-server heard, 0 when none is known. Only online GB
 * devices are asked about (the sip-server forgets a registration when it goes offline), one
 * request per service node of the page, all at once.
 */
export async function withLastKeepalive<T extends DeviceRef>(control: DeviceControl, devices: readonly T[]): Promise<Array<T & { LastKeepaliveTime: number }>> {
  const codesByNode = new Map<string, string[]>();
  for (const d of devices) {
    if (d.AccessProtocol !== AccessProtocol.Gb || d.Status !== DeviceStatus.Online) continue;
    codesByNode.set(d.ClusterId, [...(codesByNode.get(d.ClusterId) ?? []), d.Code]);
  }
  const answers = await Promise.all([...codesByNode].map(async ([clusterId, codes]) => [clusterId, await control.lastKeepalives(clusterId, codes)] as const));
  const byNode = new Map(answers);
  return devices.map((d) => {
    const at = byNode.get(d.ClusterId)?.get(d.Code);
    return { ...d, LastKeepaliveTime: at === undefined ? 0 : Math.floor(at / 1000) };
  });
}
