import type { ChannelControl } from "../bus/channel-control.js";
import type { DeviceControl } from "../bus/device-control.js";
import type { GatewayControl } from "../bus/gateway-control.js";
import type { SecretBox } from "../accounts/secret-box.js";
import type { Db } from "../db/database.js";
import type { DomainChanges } from "../bus/domain-certificates.js";
import type { RetrievalChanges } from "../bus/retrieval-changes.js";
import type { CnameResolver } from "../domains/cname.js";
import type { IcpChecker } from "../domains/icp.js";
import type { DeviceImportRunner } from "../device-files/import-runner.js";
import type { SnapshotUrls } from "../ai/snapshot-urls.js";
import type { AiTaskNotices } from "../ai/ai-bus.js";
import type { AiModels } from "../ai/templates.js";

/** What the route handlers need; built by main.ts, faked in tests. */
export interface RouteDeps {
  readonly db: Db;
  /** The master key's box: device passwords are sealed at rest. */
  readonly box: SecretBox;
  readonly control: DeviceControl;
  /** PTZ, presets and device-local recordings (spec 02 §15–17, §20, §23). */
  readonly channelControl: ChannelControl;
  readonly now: () => Date;
  /** RECORD_TIME_ZONE in minutes east of UTC: the site clock that schedules are read in and times are printed on. */
  readonly siteUtcOffsetMinutes: number;
  readonly gateways: GatewayRouteDeps;
  /** Background processing of device import jobs (spec 02 §10). */
  readonly deviceImports: DeviceImportRunner;
  readonly domains: DomainRouteDeps;
  readonly ai: AiRouteDeps;
  /** Tells the relays a retrieval task was added or deleted, so its work starts now. */
  readonly retrievalChanges: RetrievalChanges;
}

/** AI tasks (spec 04 Part A). */
export interface AiRouteDeps {
  /** Which DetectTypes a model serves; the others are refused at task creation (43707). */
  readonly models: AiModels;
  readonly snapshotUrls: SnapshotUrls;
  /** Pushes task changes to the relays (their poll stays the safety net). */
  readonly notices: AiTaskNotices;
}

/** Play domains (spec 01 §5.2–5.7). */
export interface DomainRouteDeps {
  /** Looks up a play domain's CNAME for 41606; undefined when DOMAIN_CNAME_CHECK is off. */
  readonly resolveCname: CnameResolver | undefined;
  readonly icp: IcpChecker;
  /** Tells the node's relay to reload its certificates. */
  readonly changes: DomainChanges;
}

export interface GatewayRouteDeps {
  readonly control: GatewayControl;
  /** Base of the signed bundle URLs handed to boxes (API_PUBLIC_URL). */
  readonly bundleBaseUrl: string;
}
