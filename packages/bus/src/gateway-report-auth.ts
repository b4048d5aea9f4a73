import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { z } from "zod";
import type { EventContract } from "./contract.js";
import type { gatewayDevices, gatewayHeartbeat, gatewayUpgradeStatus } from "./contracts/gateway.js";

// Report authentication of the gateway boxes; the scheme is documented at the top of
// contracts/gateway.ts. Box and platform both sign and check with these functions, so they agree.

/** The schemas of the reports a box signs. */
export type GatewayReportSchema = (typeof gatewayHeartbeat | typeof gatewayDevices | typeof gatewayUpgradeStatus)["schema"];
/** One of the reports a box signs. */
export type GatewayReportContract<S extends GatewayReportSchema = GatewayReportSchema> = EventContract<S>;
/** A report as its schema parses it, `sig` included when the sender gave one. */
export type GatewayReport<S extends GatewayReportSchema> = z.output<S>;
/** The fields every report has; the others are covered by the digest. */
export type GatewayReportFields = { gwId: string; at: number; sig?: string | undefined; [field: string]: unknown };

const VERSION_LABEL = "ivc-gateway-report-v1";

const sha256Hex = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

/**
 * The stored form of a gateway key or token: hex SHA-256 of its UTF-8 bytes. The platform keeps
 * only this; it is also the key of the box's report signatures.
 */
export function hashGatewaySecret(secret: string): string {
  return sha256Hex(secret);
}

/** JSON with object keys sorted at every level and undefined members left out, as JSON.stringify leaves them out. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? "null" : canonicalJson(item))).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const members = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The message a report's `sig` is the HMAC of: report name, gwId, `at`, digest of everything but `sig`. */
export function gatewayReportMessage(contract: GatewayReportContract, report: GatewayReportFields): string {
  const { sig: _sig, ...signed } = report;
  return [VERSION_LABEL, contract.name, report.gwId, String(report.at), sha256Hex(canonicalJson(signed))].join("\n");
}

function signatureOf(contract: GatewayReportContract, tokenHash: string, report: GatewayReportFields): string {
  return createHmac("sha256", tokenHash).update(gatewayReportMessage(contract, report), "utf8").digest("hex");
}

/**
 * The report as it goes on the wire: parsed by its schema (so the signed fields are exactly those
 * the platform will parse) and signed with the token's hash.
 */
export function signGatewayReport<S extends GatewayReportSchema>(
  contract: GatewayReportContract<S>,
  tokenHash: string,
  report: Omit<z.input<S>, "sig">,
): GatewayReport<S> & { sig: string } {
  const parsed = contract.schema.parse(report) as GatewayReport<S>;
  return { ...parsed, sig: signatureOf(contract, tokenHash, parsed) };
}

/** Whether the report's `sig` was made with `tokenHash`; compared in constant time. */
export function gatewayReportSigned(contract: GatewayReportContract, tokenHash: string, report: GatewayReportFields): boolean {
  if (report.sig === undefined) return false;
  const given = Buffer.from(report.sig, "utf8");
  const expected = Buffer.from(signatureOf(contract, tokenHash, report), "utf8");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
