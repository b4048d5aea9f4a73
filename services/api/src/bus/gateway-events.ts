import type { GatewayDevice, GatewayUpgradeState } from "@ivc/bus";
import type { SecretBox } from "../accounts/secret-box.js";
import type { Db } from "../db/database.js";
import { syncGatewayDevices } from "../store/gateway-devices.js";
import { applyHeartbeat, findGatewayByGwId, setUpgradeState } from "../store/gateways.js";
import type { HeartbeatFigures } from "../store/gateways.js";
import type { GatewayControl } from "./gateway-control.js";

export const UNKNOWN_GATEWAY = "the platform has no gateway with this GwId (deleted); activate again with a new key";

/**
 * Applies the boxes' reports, once gateway-report-check has accepted them. A report from a gwId
 * the platform does not know is answered with `gateway.revoked`, so a box that was offline when
 * its gateway was deleted learns it (the check does the same; here it covers a delete in between).
 */
export function createGatewayEventHandlers(db: Db, box: SecretBox, control: Pick<GatewayControl, "revoke">, now: () => Date = () => new Date()) {
  return {
    async heartbeat(event: HeartbeatFigures & { gwId: string }): Promise<void> {
      if (!(await applyHeartbeat(db, event.gwId, event, now()))) control.revoke(event.gwId, UNKNOWN_GATEWAY);
    },
    async devices(event: { gwId: string; devices: GatewayDevice[] }): Promise<void> {
      const gateway = await findGatewayByGwId(db, event.gwId);
      if (!gateway) return control.revoke(event.gwId, UNKNOWN_GATEWAY);
      await syncGatewayDevices(db, box, gateway, event.devices);
    },
    async upgradeStatus(event: GatewayUpgradeState & { gwId: string; sig?: string | undefined }): Promise<void> {
      const { gwId, sig: _sig, ...state } = event;
      if (!(await setUpgradeState(db, gwId, state))) control.revoke(gwId, UNKNOWN_GATEWAY);
    },
  };
}
