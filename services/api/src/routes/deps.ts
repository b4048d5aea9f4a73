import type { ChannelControl } from "../bus/channel-control.js";
import type { DeviceControl } from "../bus/device-control.js";
import type { GatewayControl } from "../bus/gateway-control.js";
import type { SecretBox } from "../accounts/secret-box.js";
import type { Db } from "../db/database.js";
import type { DeviceImportRunner } from "../device-files/import-runner.js";

/** What the route handlers need; built by main.ts, faked in tests. */
export interface RouteDeps {
  readonly db: Db;
  /** The master key's box: device passwords are sealed at rest. */
  readonly box: SecretBox;
  readonly control: DeviceControl;
  /** PTZ, presets and device-local recordings (spec 02 §15–17, §20, §23). */
  readonly channelControl: ChannelControl;
  readonly now: () => Date;
  readonly gateways: GatewayRouteDeps;
  /** Background processing of device import jobs (spec 02 §10). */
  readonly deviceImports: DeviceImportRunner;
}

export interface GatewayRouteDeps {
  readonly control: GatewayControl;
  /** Base of the signed bundle URLs handed to boxes (API_PUBLIC_URL). */
  readonly bundleBaseUrl: string;
}
