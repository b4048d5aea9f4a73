import { catalogRefresh, deviceChanged, deviceKeepalives, isBusError } from "@ivc/bus";
import type { Bus } from "@ivc/bus";
import type { ControlFailureKind, DeviceControl } from "./device-control.js";
import { publishNotice } from "./publish-notice.js";

export const CATALOG_REFRESH_TIMEOUT_MS = 5000;
/** Short: the answer is one Redis round trip, and the device list waits for it. */
export const KEEPALIVES_TIMEOUT_MS = 500;

interface Logger {
  warn(obj: object, msg: string): void;
}

export function createNatsDeviceControl(bus: Bus, logger: Logger): DeviceControl {
  return {
    async refreshCatalog(clusterId, deviceCode) {
      try {
        await bus.request(catalogRefresh, { clusterId }, { deviceId: deviceCode }, { timeoutMs: CATALOG_REFRESH_TIMEOUT_MS });
        return { ok: true };
      } catch (err) {
        if (!isBusError(err)) throw err;
        const kinds: Partial<Record<typeof err.kind, ControlFailureKind>> = {
          timeout: "timeout",
          no_responders: "no-responders",
          remote: "remote",
        };
        return { ok: false, kind: kinds[err.kind] ?? "unavailable", detail: err.message };
      }
    },
    async lastKeepalives(clusterId, deviceCodes) {
      if (deviceCodes.length === 0) return new Map();
      try {
        const reply = await bus.request(deviceKeepalives, { clusterId }, { deviceIds: [...deviceCodes] }, { timeoutMs: KEEPALIVES_TIMEOUT_MS });
        return new Map(reply.devices.map((d) => [d.deviceId, d.lastKeepaliveAt]));
      } catch (err) {
        if (!isBusError(err)) throw err;
        logger.warn({ err, clusterId, devices: deviceCodes.length, stage: "keepalives" }, "last keepalives not known: sip-server did not answer");
        return new Map();
      }
    },
    deviceChanged(deviceCode, change) {
      // A lost notice only delays the sip-server's cache.
      publishNotice(bus, logger, deviceChanged, { deviceId: deviceCode, change, at: Date.now() }, { deviceCode });
    },
  };
}
