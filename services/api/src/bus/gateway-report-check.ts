import { gatewayReportSigned } from "@ivc/bus";
import type { GatewayReportContract, GatewayReportFields } from "@ivc/bus";
import { Counter } from "@ivc/runtime";
import type { Registry } from "@ivc/runtime";
import type { Db } from "../db/database.js";
import { claimReport, findGatewayByGwId } from "../store/gateways.js";
import type { GatewayControl } from "./gateway-control.js";
import { UNKNOWN_GATEWAY } from "./gateway-events.js";

/**
 * How far a report's `at` may be from the platform's clock: room for a box's clock error and for
 * transit. Within it, a report is also refused unless it is newer than the last accepted one.
 */
export const REPORT_WINDOW_MS = 5 * 60_000;

export type ReportRefusal = "unknown_gateway" | "missing_signature" | "bad_signature" | "outside_window" | "replayed";

/**
 * Why a report of a gateway whose token hash is `tokenHash` is refused; undefined when it is
 * genuine and fresh. The signature is checked before the time so that a box with a wrong clock
 * (a valid signature, `outside_window`) is told apart from a forger (`bad_signature`).
 */
export function reportRefusal(contract: GatewayReportContract, tokenHash: string, report: GatewayReportFields, nowMs: number, windowMs: number): ReportRefusal | undefined {
  if (report.sig === undefined) return "missing_signature";
  if (!gatewayReportSigned(contract, tokenHash, report)) return "bad_signature";
  if (Math.abs(report.at - nowMs) > windowMs) return "outside_window";
  return undefined;
}

export interface ReportCheckOptions {
  readonly windowMs: number;
  readonly logger: { warn(obj: object, msg: string): void };
  /** Where `ivc_api_gateway_reports_refused_total{report,reason}` is registered, when given. */
  readonly metrics?: Registry | undefined;
  readonly now?: () => number;
}

/**
 * The gate in front of the report handlers: answers whether a report comes from the box holding
 * its gateway's token. A refused report is logged and counted and must change nothing; one from a
 * gwId the platform does not know (deleted) is also answered with `gateway.revoked`.
 */
export function createReportCheck(db: Db, control: Pick<GatewayControl, "revoke">, options: ReportCheckOptions) {
  const refusals = options.metrics
    ? new Counter({ name: "ivc_api_gateway_reports_refused_total", help: "Gateway reports refused, by report and reason", labelNames: ["report", "reason"], registers: [options.metrics] })
    : undefined;
  const now = options.now ?? Date.now;
  return async function accepted(contract: GatewayReportContract, report: GatewayReportFields): Promise<boolean> {
    const gateway = await findGatewayByGwId(db, report.gwId);
    let reason = gateway ? reportRefusal(contract, gateway.tokenHash, report, now(), options.windowMs) : "unknown_gateway";
    // Genuine and fresh: it still must be newer than the last accepted one, or it is a replay.
    if (reason === undefined) {
      if (await claimReport(db, report.gwId, contract.name, report.at)) return true;
      reason = "replayed";
    }
    if (reason === "unknown_gateway") control.revoke(report.gwId, UNKNOWN_GATEWAY);
    options.logger.warn({ gwId: report.gwId, report: contract.name, reason }, "gateway report refused; nothing changed");
    refusals?.inc({ report: contract.name, reason });
    return false;
  };
}
