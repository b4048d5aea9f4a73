import { gatewayActivate, gatewayDevices, gatewayHeartbeat, gatewayUpgradeStatus } from "@ivc/bus";
import type { Bus } from "@ivc/bus";
import type { Db } from "../db/database.js";
import { markSilentGatewaysOffline } from "../store/gateways.js";
import { answerActivation } from "./gateway-activate.js";
import type { GatewayControl } from "./gateway-control.js";
import { createGatewayEventHandlers } from "./gateway-events.js";

/** API instances share the boxes' reports and activations through one queue group (as device events). */
const QUEUE = "api";

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface GatewaySubscriptionOptions {
  /** No heartbeat for this long: the gateway and its devices go offline. */
  readonly offlineAfterMs: number;
  readonly logger: Logger;
}

/** Checks for silent gateways three times per offline window, so one is offline at most a third late. */
export function sweepIntervalMs(offlineAfterMs: number): number {
  return Math.max(250, Math.floor(offlineAfterMs / 3));
}

/** Activation, heartbeats, device lists and upgrade reports of the boxes, plus the offline sweep. */
export function subscribeGateways(bus: Bus, db: Db, control: GatewayControl, options: GatewaySubscriptionOptions): Array<{ unsubscribe(): void }> {
  const handlers = createGatewayEventHandlers(db, control);
  const queue = { queue: QUEUE };
  let sweeping = false;
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    markSilentGatewaysOffline(db, new Date(Date.now() - options.offlineAfterMs))
      .then((gwIds) => {
        if (gwIds.length > 0) options.logger.info({ gwIds }, "gateways missed their heartbeats: offline with their devices");
      })
      .catch((err: unknown) => options.logger.warn({ err }, "gateway offline sweep failed"))
      .finally(() => {
        sweeping = false;
      });
  }, sweepIntervalMs(options.offlineAfterMs));
  timer.unref();
  return [
    bus.reply(gatewayActivate, undefined, (request) => answerActivation(db, request), queue),
    bus.subscribe(gatewayHeartbeat, (e) => handlers.heartbeat(e), queue),
    bus.subscribe(gatewayDevices, (e) => handlers.devices(e), queue),
    bus.subscribe(gatewayUpgradeStatus, (e) => handlers.upgradeStatus(e), queue),
    { unsubscribe: () => clearInterval(timer) },
  ];
}
