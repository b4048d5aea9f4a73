import { catalogRefresh, deviceChanged, isBusError } from "@ivc/bus";
import type { Bus } from "@ivc/bus";
import type { ControlFailureKind, DeviceControl } from "./device-control.js";

export const CATALOG_REFRESH_TIMEOUT_MS = 5000;

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
    deviceChanged(deviceCode, change) {
      try {
        bus.publish(deviceChanged, { deviceId: deviceCode, change, at: Date.now() });
      } catch (err) {
        // A lost notice only delays the sip-server's cache; the API call itself succeeded.
        logger.warn({ err, deviceCode }, "device.changed not published");
      }
    },
  };
}
