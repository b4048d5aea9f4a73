import { gatewayApiCode, gatewayRevoked, gatewayUpgrade, isBusError } from "@ivc/bus";
import type { Bus } from "@ivc/bus";
import { ErrorCodes } from "../errors/codes.js";
import { refuse, succeed } from "../errors/outcome.js";
import type { GatewayControl } from "./gateway-control.js";
import { gatewayErrorDef } from "./gateway-control.js";
import { publishNotice } from "./publish-notice.js";

/** The box only accepts the request and starts in the background, so a few seconds is plenty. */
export const GATEWAY_REQUEST_TIMEOUT_MS = 5000;

interface Logger {
  warn(obj: object, msg: string): void;
}

export function createNatsGatewayControl(bus: Bus, logger: Logger): GatewayControl {
  return {
    async upgrade(gwId, version, bundleUrl) {
      try {
        await bus.request(gatewayUpgrade, { gwId }, { version, bundleUrl }, { timeoutMs: GATEWAY_REQUEST_TIMEOUT_MS });
        return succeed(null);
      } catch (err) {
        if (!isBusError(err)) throw err;
        if (err.kind === "remote") return refuse(gatewayErrorDef(gatewayApiCode(err.remoteCode)), `gateway refused the upgrade: ${err.message}`);
        // No responder or no answer: the box is not connected to the platform's NATS.
        return refuse(ErrorCodes.GatewaySignalingFailed, `gateway ${gwId} is unreachable: ${err.message}`);
      }
    },
    revoke(gwId, reason) {
      // Unpublished, the box is told at its next heartbeat, which names a gateway that no longer exists.
      publishNotice(bus, logger, gatewayRevoked, { gwId, reason, at: Date.now() }, { gwId });
    },
  };
}
