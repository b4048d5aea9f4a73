import type { DeviceControl } from "../bus/device-control.js";
import type { Db } from "../db/database.js";
import type { PushAuth } from "../store/push-url.js";

/** What the route handlers need; built by main.ts, faked in tests. */
export interface RouteDeps {
  readonly db: Db;
  readonly control: DeviceControl;
  readonly pushAuth: PushAuth | undefined;
  readonly now: () => Date;
}
