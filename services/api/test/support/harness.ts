import { randomBytes } from "node:crypto";
import type { DomainChange } from "@ivc/bus";
import { DEFAULT_UTC_OFFSET_MINUTES } from "@ivc/runtime";
import type { FastifyInstance } from "fastify";
import type { LightMyRequestResponse } from "fastify";
import { createAccount } from "../../src/accounts/accounts.js";
import { createSnapshotUrls } from "../../src/ai/snapshot-urls.js";
import type { AiTaskNotices } from "../../src/ai/ai-bus.js";
import type { AiModels } from "../../src/ai/templates.js";
import { createKey, findVerificationKey } from "../../src/accounts/keys.js";
import type { IssuedKey, KeyStoreDeps } from "../../src/accounts/keys.js";
import { createSecretBox } from "../../src/accounts/secret-box.js";
import type { SecretBox } from "../../src/accounts/secret-box.js";
import type { DomainChanges } from "../../src/bus/domain-certificates.js";
import type { RetrievalChanges } from "../../src/bus/retrieval-changes.js";
import type { CnameResolver } from "../../src/domains/cname.js";
import { uncheckedIcp } from "../../src/domains/icp.js";
import type { IcpChecker } from "../../src/domains/icp.js";
import type { ControlResult, DeviceControl } from "../../src/bus/device-control.js";
import type { Database } from "../../src/db/database.js";
import { createDeviceImportRunner } from "../../src/device-files/import-runner.js";
import type { DeviceImportRunner, DeviceImportRunnerDeps } from "../../src/device-files/import-runner.js";
import { buildApp } from "../../src/http/app.js";
import type { Envelope } from "../../src/http/envelope.js";
import { createAuthenticator } from "../../src/http/authenticate.js";
import { allRoutes } from "../../src/routes/index.js";
import { signingKey } from "../../src/signing/canonical.js";
import { splitRequestTarget } from "../../src/signing/request.js";
import { signAuthorization } from "../../src/signing/sign.js";
import { DEFAULT_SIGNING_POLICY } from "../../src/signing/verify.js";
import { ensureServiceNode } from "../../src/store/service-nodes.js";
import { FakeChannelControl } from "./fake-channel-control.js";
import { FakeGatewayControl, TEST_BUNDLE_BASE_URL } from "./fake-gateway-control.js";
import type { ServiceNodeConfig } from "../../src/store/service-nodes.js";

export const HOST = "ivc.myqcloud.com";

export const testNode: ServiceNodeConfig = {
  id: "4169d92e-60ad-4c16-ac7e-d313abdd0790",
  name: "本地节点",
  sipId: "34020000002000000001",
  sipDomain: "3402000000",
  sipIp: "192.0.2.10",
  sipPort: 5060,
  mediaHost: "192.0.2.10",
  mediaHttpPort: 8088,
  rtmpPort: 1935,
  publicHost: "node1.media.example.net",
  mediaHttpsPort: 8443,
};

/** Records what routes ask of the bus and answers what the test scripts. */
export class FakeDeviceControl implements DeviceControl {
  readonly changes: Array<{ code: string; change: string }> = [];
  readonly refreshes: Array<{ clusterId: string; code: string }> = [];
  refreshAnswer: ControlResult = { ok: true };
  readonly keepaliveQuestions: Array<{ clusterId: string; codes: readonly string[] }> = [];
  /** Last keepalive (epoch ms) per device code, as the node's sip-server would answer. */
  readonly keepalives = new Map<string, number>();
  /** When set (bus tests), lastKeepalives goes on to the real control after being recorded. */
  forwardTo: DeviceControl | undefined;

  async refreshCatalog(clusterId: string, deviceCode: string): Promise<ControlResult> {
    this.refreshes.push({ clusterId, code: deviceCode });
    return this.refreshAnswer;
  }

  async lastKeepalives(clusterId: string, deviceCodes: readonly string[]): Promise<Map<string, number>> {
    this.keepaliveQuestions.push({ clusterId, codes: deviceCodes });
    if (this.forwardTo) return this.forwardTo.lastKeepalives(clusterId, deviceCodes);
    return new Map(deviceCodes.flatMap((code) => (this.keepalives.has(code) ? [[code, this.keepalives.get(code) ?? 0] as const] : [])));
  }

  deviceChanged(deviceCode: string, change: "upserted" | "deleted"): void {
    this.changes.push({ code: deviceCode, change });
  }
}

export type { Envelope };

export interface Harness {
  readonly app: FastifyInstance;
  readonly control: FakeDeviceControl;
  readonly gatewayControl: FakeGatewayControl;
  readonly channelControl: FakeChannelControl;
  readonly domainChanges: FakeDomainChanges;
  /** Task ids the AI routes pushed to the relays (ai.tasks.changed). */
  readonly aiNotices: FakeAiTaskNotices;
  /** The master key's box the app seals with. */
  readonly box: SecretBox;
  readonly deviceImports: DeviceImportRunner;
  readonly alice: IssuedKey;
  readonly bob: IssuedKey;
  readonly keyDeps: KeyStoreDeps;
  call<T = unknown>(key: IssuedKey, method: string, path: string, body?: unknown): Promise<{ res: LightMyRequestResponse; env: Envelope<T> }>;
  /** Signs and sends `url` (an encoded request target) and `payload` exactly as given; the answer is not parsed. */
  send(key: IssuedKey, method: string, url: string, request?: RawRequest): Promise<LightMyRequestResponse>;
  /** Sets the key's account authstream config: everything off plus `fields`, under the Id GET answers. */
  setStreamAuth(key: IssuedKey, fields: Partial<StreamAuth>): Promise<Envelope<StreamAuth>>;
}

export interface RawRequest {
  readonly payload?: string | Buffer | NodeJS.ReadableStream;
  /** Sent and signed along with Host. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The query as the server verifies it: decoded pairs, the first of a repeated name signed. A target
 * that is not valid percent-encoding is signed without query (the server refuses it before looking).
 */
function signedQuery(url: string): { pathname: string; query: Record<string, string> } {
  const target = splitRequestTarget(url);
  if (!target.ok) return { pathname: url.split("?")[0] ?? url, query: {} };
  const first = new Map<string, [string, string]>();
  for (const [name, value] of target.value.query) if (!first.has(signingKey(name))) first.set(signingKey(name), [name, value]);
  return { pathname: target.value.pathname, query: Object.fromEntries(first.values()) };
}

export interface StreamAuth {
  Id: string;
  PushState: number;
  PushSecret: string;
  PushExpired: number;
  PullState: number;
  PullSecret: string;
  PullExpired: number;
}

export const STREAM_AUTH_OFF = { PushState: 0, PushSecret: "", PushExpired: 0, PullState: 0, PullSecret: "", PullExpired: 0 };

/** Records the domain.changed notices routes publish. */
export class FakeDomainChanges implements DomainChanges {
  readonly notices: Array<Omit<DomainChange, "at">> = [];
  changed(change: Omit<DomainChange, "at">): void {
    this.notices.push(change);
  }
}

export class FakeAiTaskNotices implements AiTaskNotices {
  readonly notices: string[] = [];
  changed(taskId: string): void {
    this.notices.push(taskId);
  }
}

export interface HarnessOptions {
  /** The CNAME lookup of domain/add; unset: the check is off (DOMAIN_CNAME_CHECK=false). */
  readonly resolveCname?: CnameResolver;
  readonly icp?: IcpChecker;
  readonly now?: () => Date;
  /** How the import runner chunks rows and what it awaits after each chunk. */
  readonly imports?: Pick<DeviceImportRunnerDeps, "chunkRows" | "afterChunk">;
  /** AI detect types with a model besides the bundled COCO ones (AI_ONNX_MODELS); default none. */
  readonly aiModels?: AiModels;
  /** RECORD_TIME_ZONE in minutes east of UTC (default UTC+8). */
  readonly siteUtcOffsetMinutes?: number;
  /** Where retrievetask/add and delete announce their change; default: nowhere (no relay listens). */
  readonly retrievalChanges?: RetrievalChanges;
}

/** The secret of the harness's AI snapshot URLs, so tests can check a URL the API handed out. */
export const TEST_SNAPSHOT_SECRET = Buffer.alloc(32, 7);

/** Builds the app on `database` with two accounts (alice, bob), one key each, and the test node. */
export async function createHarness(database: Database, options: HarnessOptions = {}): Promise<Harness> {
  const box = createSecretBox(randomBytes(32));
  const deps = { db: database.db, box };
  await ensureServiceNode(database.db, testNode);
  const alice = await createKey(deps, (await createAccount(database.db, "alice")).appId);
  const bob = await createKey(deps, (await createAccount(database.db, "bob")).appId);
  const control = new FakeDeviceControl();
  const gatewayControl = new FakeGatewayControl();
  const channelControl = new FakeChannelControl();
  const domainChanges = new FakeDomainChanges();
  const aiNotices = new FakeAiTaskNotices();
  const deviceImports = createDeviceImportRunner({ db: database.db, box, control, ...options.imports });
  const app = buildApp({
    routes: allRoutes({
      db: database.db,
      box,
      control,
      channelControl,
      deviceImports,
      now: options.now ?? (() => new Date()),
      siteUtcOffsetMinutes: options.siteUtcOffsetMinutes ?? DEFAULT_UTC_OFFSET_MINUTES,
      gateways: { control: gatewayControl, bundleBaseUrl: TEST_BUNDLE_BASE_URL },
      domains: { resolveCname: options.resolveCname, icp: options.icp ?? uncheckedIcp, changes: domainChanges },
      ai: { models: options.aiModels ?? { onnx: {} }, snapshotUrls: createSnapshotUrls(TEST_SNAPSHOT_SECRET), notices: aiNotices },
      retrievalChanges: options.retrievalChanges ?? { changed: () => undefined },
    }),
    authenticate: createAuthenticator((id) => findVerificationKey(deps, id), DEFAULT_SIGNING_POLICY, () => Math.floor(Date.now() / 1000)),
  });
  app.addHook("onClose", () => deviceImports.close());
  await app.ready();
  const harness: Harness = {
    app,
    control,
    deviceImports,
    gatewayControl,
    channelControl,
    domainChanges,
    aiNotices,
    box,
    alice,
    bob,
    keyDeps: deps,
    async setStreamAuth(key, fields) {
      const { Id } = (await harness.call<StreamAuth>(key, "GET", "/ivc/cms/config/authstream")).env.Data;
      return (await harness.call<StreamAuth>(key, "POST", "/ivc/cms/config/authstream", { Id, ...STREAM_AUTH_OFF, ...fields })).env;
    },
    async call(key, method, path, body) {
      const res = await harness.send(
        key,
        method,
        path,
        body === undefined ? {} : { payload: JSON.stringify(body), headers: { "Content-Type": "application/json" } },
      );
      return { res, env: res.json() };
    },
    async send(key, method, url, request = {}) {
      const headers: Record<string, string> = { Host: HOST, ...request.headers };
      const { pathname, query } = signedQuery(url);
      const authorization = signAuthorization({
        secretId: key.secretId,
        secretKey: key.secretKey,
        method,
        pathname,
        query,
        headers,
        startSeconds: Math.floor(Date.now() / 1000) - 1,
        validSeconds: 600,
      });
      return app.inject({
        method: method as "GET",
        url,
        headers: { ...headers, authorization },
        ...(request.payload !== undefined ? { payload: request.payload } : {}),
      });
    },
  };
  return harness;
}
