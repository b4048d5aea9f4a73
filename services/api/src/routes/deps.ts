import type { DeviceControl } from "../bus/device-control.js";
import type { GatewayControl } from "../bus/gateway-control.js";
import type { Db } from "../db/database.js";

/** What the route handlers need; built by main.ts, faked in tests. */
export interface RouteDeps {
  readonly db: Db;
  readonly control: DeviceControl;
  readonly now: () => Date;
  readonly gateways: GatewayRouteDeps;
}

export interface GatewayRouteDeps {
  readonly control: GatewayControl;
  /** Base of the signed bundle URLs handed to boxes (API_PUBLIC_URL). */
  readonly bundleBaseUrl: string;
}
