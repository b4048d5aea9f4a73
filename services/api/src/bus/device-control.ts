/**
 * What the API asks of the rest of the system about devices. Routes depend on this interface;
 * nats-device-control.ts implements it over packages/bus, tests use a fake.
 */
export type ControlFailureKind = "timeout" | "no-responders" | "remote" | "unavailable";

export type ControlResult = { ok: true } | { ok: false; kind: ControlFailureKind; detail: string };

export interface DeviceControl {
  /** Asks the node's sip-server to query the device's catalog again (GB/T 28181 §9.5.3). */
  refreshCatalog(clusterId: string, deviceCode: string): Promise<ControlResult>;
  /**
   * When the node's sip-server last heard a keepalive (or the REGISTER) of each device, epoch ms;
   * devices not registered now are absent. Never fails: an unreachable sip-server answers an empty
   * map, since the device list must not fail for a field it only decorates.
   */
  lastKeepalives(clusterId: string, deviceCodes: readonly string[]): Promise<Map<string, number>>;
  /** Tells signaling and media that a device's row changed (password, enabled flag) or is gone. */
  deviceChanged(deviceCode: string, change: "upserted" | "deleted"): void;
}
