import { ErrorCodes } from "../errors/codes.js";
import type { ErrorDef } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";

/**
 * What the gateway routes ask of the boxes. Routes depend on this interface;
 * nats-gateway-control.ts implements it over packages/bus, tests use a fake.
 */
export interface GatewayControl {
  /** `gw.upgrade`: the box answers at once and reports progress with `gateway.upgrade.status`. */
  upgrade(gwId: string, version: string, bundleUrl: string): Promise<Outcome<null>>;
  /** `gateway.revoked`: the box wipes its identity and stops. */
  revoke(gwId: string, reason: string): void;
}

/** The table entry of an API code from packages/bus `gatewayApiCode`; unknown codes are 51603. */
export function gatewayErrorDef(apiCode: number): ErrorDef {
  return Object.values(ErrorCodes).find((e) => e.statusCode === apiCode) ?? ErrorCodes.GatewaySignalingFailed;
}
