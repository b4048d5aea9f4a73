import { gatewayActivate, gatewayDevices, gatewayHeartbeat, gatewayUpgradeStatus } from "@ivc/bus";
import type { Bus, GatewayReportContract, GatewayReportFields } from "@ivc/bus";
import type { Registry } from "@ivc/runtime";
import type { SecretBox } from "../accounts/secret-box.js";
import type { Db } from "../db/database.js";
import { markSilentGatewaysOffline } from "../store/gateways.js";
import { answerActivation } from "./gateway-activate.js";
import type { GatewayControl } from "./gateway-control.js";
import { createGatewayEventHandlers } from "./gateway-events.js";
import { createReportCheck, REPORT_WINDOW_MS } from "./gateway-report-check.js";

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
  /** How far a report's `at` may be from now; default REPORT_WINDOW_MS (±5 min). */
  readonly reportWindowMs?: number;
  /** Registry for the refused-report counter; without one refusals are only logged. */
  readonly metrics?: Registry;
}

/** Checks for silent gateways three times per offline window, so one is offline at most a third late. */
export function sweepIntervalMs(offlineAfterMs: number): number {
  return Math.max(250, Math.floor(offlineAfterMs / 3));
}

/**
 * Activation, heartbeats, device lists and upgrade reports of the boxes, plus the offline sweep.
 * A report reaches its handler only with a valid signature and a fresh `at` (gateway-report-check).
 */
export function subscribeGateways(bus: Bus, db: Db, box: SecretBox, control: GatewayControl, options: GatewaySubscriptionOptions): Array<{ unsubscribe(): void }> {
  const handlers = createGatewayEventHandlers(db, box, control);
  const accepted = createReportCheck(db, control, { windowMs: options.reportWindowMs ?? REPORT_WINDOW_MS, logger: options.logger, metrics: options.metrics });
  const queue = { queue: QUEUE };
  /** A report's handler, run only when the report passes the check. */
  const gated =
    <E extends GatewayReportFields>(contract: GatewayReportContract, apply: (report: E) => Promise<void>) =>
    async (report: E): Promise<void> => {
      if (await accepted(contract, report)) await apply(report);
    };
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
    bus.subscribe(gatewayHeartbeat, gated(gatewayHeartbeat, (e) => handlers.heartbeat(e)), queue),
    bus.subscribe(gatewayDevices, gated(gatewayDevices, (e) => handlers.devices(e)), queue),
    bus.subscribe(gatewayUpgradeStatus, gated(gatewayUpgradeStatus, (e) => handlers.upgradeStatus(e)), queue),
    { unsubscribe: () => clearInterval(timer) },
  ];
}
