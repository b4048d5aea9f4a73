import { randomBytes } from "node:crypto";
import {
  Bus,
  BusHandlerError,
  connectNats,
  gatewayActivate,
  gatewayDevices,
  gatewayHeartbeat,
  gatewayRevoked,
  gatewayUpgrade,
  gatewayUpgradeStatus,
  hashGatewaySecret,
  isBusError,
  signGatewayReport,
} from "@ivc/bus";
import { createLogger, Registry } from "@ivc/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subscribeGateways } from "../src/bus/gateway-subscriptions.js";
import { createNatsGatewayControl } from "../src/bus/nats-gateway-control.js";
import { createGatewayKey } from "../src/store/gateway-keys.js";
import { findGatewayByGwId } from "../src/store/gateways.js";
import { recordRelease } from "../src/store/releases.js";
import { createHarness, testNode } from "./support/harness.js";
import type { Harness } from "./support/harness.js";
import { startPrivateNats } from "../../../test/support/private-nats.js";
import type { PrivateNats } from "../../../test/support/private-nats.js";
import { createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";

// The boxes' side over a real nats-server of this file's own: `api.gateway.activate` has one
// subject for the whole site, and edge-agent's tests answer it with a stand-in platform.

const OFFLINE_AFTER_MS = 1500;

let testDb: TestDatabase;
let h: Harness;
let nats: PrivateNats;
let nc: Awaited<ReturnType<typeof connectNats>>;
let bus: Bus;
let subscriptions: Array<{ unsubscribe(): void }>;
const revokedEvents: string[] = [];
const refusals: Array<{ gwId?: string; report?: string; reason?: string }> = [];
const metrics = new Registry();

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database);
  const logger = createLogger("api-test", "silent");
  nats = await startPrivateNats(logger);
  nc = await connectNats({ url: nats.url, name: "api-gateways-test", logger });
  bus = new Bus(nc, logger);
  const control = createNatsGatewayControl(bus, logger);
  h.gatewayControl.forwardTo = control;
  subscriptions = [
    ...subscribeGateways(bus, testDb.database.db, h.keyDeps.box, control, {
      offlineAfterMs: OFFLINE_AFTER_MS,
      // Refusals are recorded: they are the only sign that a forged report was looked at.
      logger: { info: () => undefined, warn: (obj, msg) => void (msg.startsWith("gateway report refused") && refusals.push(obj)) },
      metrics,
    }),
    bus.subscribe(gatewayRevoked, (e) => void revokedEvents.push(e.gwId)),
  ];
  await nc.flush();
});
afterAll(async () => {
  subscriptions?.forEach((s) => s.unsubscribe());
  await nc?.drain();
  await nats?.stop();
  await h?.app.close();
  await testDb?.drop();
});

const boxInfo = () => ({ hostname: "store-a", machineId: `m-${randomBytes(8).toString("hex")}`, versions: { "edge-agent": "1.0.0" } });
const newKey = async (ttlMs = 60_000) => (await createGatewayKey(testDb.database.db, h.alice.appId, testNode.id, ttlMs)).key;
const activate = (key: string, box = boxInfo()) => bus.request(gatewayActivate, undefined, { key, boxInfo: box }, { timeoutMs: 3000 });

async function refusal(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return "accepted";
  } catch (err) {
    return isBusError(err, "remote") ? err.remoteCode : String(err);
  }
}

async function until(condition: () => Promise<boolean> | boolean, ms = 3000): Promise<void> {
  for (const start = Date.now(); Date.now() - start < ms; ) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`condition not met within ${ms} ms`);
}

type Activated = Awaited<ReturnType<typeof activate>>;

const figures = (gwId: string, upFlowKbps = 777, at = Date.now()) => {
  const counts = { total: 3, online: 2, offline: 1 };
  return { gwId, upFlowKbps, devices: counts, channels: counts, versions: { "edge-agent": "1.0.0" }, upgrade: { state: "idle" as const, current: "1.0.0", at }, at };
};

/** A heartbeat as the box sends it: signed with the hash of the token activation gave it. */
function beat(g: Activated, upFlowKbps = 777) {
  bus.publish(gatewayHeartbeat, signGatewayReport(gatewayHeartbeat, hashGatewaySecret(g.credentials.token), figures(g.gwId, upFlowKbps)));
}

async function monitor(id: string) {
  return (await h.call<{ UpFlow: number; DeviceOnline: number }>(h.alice, "GET", `/ivc/cms/gateway/monitor?Id=${id}`)).env;
}

describe("api.gateway.activate", () => {
  it("activates with a good key: identity, cluster, activation time and a token", async () => {
    const reply = await activate(await newKey());
    expect(reply).toMatchObject({ gwId: expect.stringMatching(/^[A-Za-z0-9]{32}$/), clusterId: testNode.id });
    expect(reply.credentials.token.length).toBeGreaterThanOrEqual(16);
    expect(Math.abs(reply.createdAt - Date.now())).toBeLessThan(10_000);
    const described = await h.call<{ GwId: string }>(h.alice, "GET", `/ivc/cms/gateway/describe?Id=${reply.id}`);
    expect(described.env.Data.GwId).toBe(reply.gwId);
  });

  it("refuses a used key with gateway_already_activated while its gateway exists", async () => {
    const key = await newKey();
    await activate(key);
    expect(await refusal(activate(key))).toBe("gateway_already_activated");
  });

  it("refuses a wrong, missing or expired key with gateway_key_invalid", async () => {
    expect(await refusal(activate(`gk_${randomBytes(20).toString("hex")}`))).toBe("gateway_key_invalid");
    expect(await refusal(activate(" "))).toBe("gateway_key_invalid");
    const expired = await newKey(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await refusal(activate(expired))).toBe("gateway_key_invalid");
  });

  it("refuses a second activation of the same box and leaves that key unspent", async () => {
    const box = boxInfo();
    await activate(await newKey(), box);
    const key = await newKey();
    expect(await refusal(activate(key, box))).toBe("gateway_already_activated");
    expect(await refusal(activate(key))).toBe("accepted");
  });
});

describe("heartbeats", () => {
  it("keep the monitor figures current; silence turns the gateway offline within the window", async () => {
    const g = await activate(await newKey());
    beat(g, 1234);
    await until(async () => (await monitor(g.id)).Data.UpFlow === 1234);
    expect((await monitor(g.id)).Data.DeviceOnline).toBe(2);
    await until(async () => (await monitor(g.id)).Data.UpFlow === 0, OFFLINE_AFTER_MS * 4);
    const list = await h.call<{ List: Array<{ Id: string; Status: number }> }>(h.alice, "GET", "/ivc/cms/gateway/list?PageSize=1000");
    expect(list.env.Data.List.find((x) => x.Id === g.id)?.Status).toBe(0);
  });
});

describe("report authentication", () => {
  const lanDevice = { id: "dev-forged", name: "cam", protocolType: 4 as const, type: 1 as const, ip: "192.168.1.64", port: 80, online: true, channels: [] };
  const refusedCount = async (reason: string) => (await metrics.getSingleMetric("ivc_api_gateway_reports_refused_total")?.get())?.values.filter((v) => v.labels.reason === reason).reduce((n, v) => n + v.value, 0) ?? 0;
  const refused = (gwId: string, report: string, reason: string) => until(() => refusals.some((r) => r.gwId === gwId && r.report === report && r.reason === reason));
  const deviceCount = async (id: string) => (await h.call<{ TotalCount: number }>(h.alice, "GET", `/ivc/cms/gateway/devicelist?Id=${id}`)).env.Data.TotalCount;

  it("refuses forged, unsigned and stale reports without changing the gateway; the box's own reports still apply", async () => {
    const g = await activate(await newKey());
    const key = hashGatewaySecret(g.credentials.token);
    // Offline, as after missed heartbeats: a report that got through would bring it back.
    await testDb.database.db.execute(`update gateways set status = 0 where id = '${g.id}'`);
    const before = await findGatewayByGwId(testDb.database.db, g.gwId);
    const badSigsBefore = await refusedCount("bad_signature");

    const forger = hashGatewaySecret("a token someone guessed");
    bus.publish(gatewayHeartbeat, signGatewayReport(gatewayHeartbeat, forger, figures(g.gwId, 999)));
    bus.publish(gatewayHeartbeat, figures(g.gwId, 999));
    bus.publish(gatewayHeartbeat, signGatewayReport(gatewayHeartbeat, key, figures(g.gwId, 999, Date.now() - 10 * 60_000)));
    bus.publish(gatewayHeartbeat, { ...signGatewayReport(gatewayHeartbeat, key, figures(g.gwId, 1)), upFlowKbps: 999 });
    bus.publish(gatewayDevices, signGatewayReport(gatewayDevices, forger, { gwId: g.gwId, devices: [lanDevice], at: Date.now() }));
    bus.publish(gatewayUpgradeStatus, { gwId: g.gwId, state: "rolled-back", version: "9.0.0", current: "1.0.0", reason: "forged", at: Date.now() + 60_000 });
    bus.publish(gatewayUpgradeStatus, signGatewayReport(gatewayUpgradeStatus, key, { gwId: g.gwId, state: "failed", version: "9.0.0", at: Date.now() + 10 * 60_000 }));

    await refused(g.gwId, "gateway.heartbeat", "bad_signature");
    await refused(g.gwId, "gateway.heartbeat", "missing_signature");
    await refused(g.gwId, "gateway.heartbeat", "outside_window");
    await refused(g.gwId, "gateway.devices", "bad_signature");
    await refused(g.gwId, "gateway.upgrade.status", "missing_signature");
    await refused(g.gwId, "gateway.upgrade.status", "outside_window");
    await until(() => refusals.filter((r) => r.gwId === g.gwId && r.report === "gateway.heartbeat" && r.reason === "bad_signature").length === 2);
    expect(await refusedCount("bad_signature")).toBe(badSigsBefore + 3);

    expect(await findGatewayByGwId(testDb.database.db, g.gwId)).toEqual(before);
    expect(await deviceCount(g.id)).toBe(0);

    beat(g, 4321);
    bus.publish(gatewayDevices, signGatewayReport(gatewayDevices, key, { gwId: g.gwId, devices: [lanDevice], at: Date.now() }));
    bus.publish(gatewayUpgradeStatus, signGatewayReport(gatewayUpgradeStatus, key, { gwId: g.gwId, state: "succeeded", version: "1.0.1", current: "1.0.1", at: Date.now() + 1 }));
    await until(async () => (await monitor(g.id)).Data.UpFlow === 4321);
    await until(async () => (await deviceCount(g.id)) === 1);
    await until(async () => (await findGatewayByGwId(testDb.database.db, g.gwId))?.upgrade?.state === "succeeded");
    expect((await findGatewayByGwId(testDb.database.db, g.gwId))?.upgrade).toEqual({ state: "succeeded", version: "1.0.1", current: "1.0.1", at: expect.any(Number) });
  });

  it("refuses a captured genuine report replayed inside the window, and one not newer than the last accepted", async () => {
    const g = await activate(await newKey());
    const key = hashGatewaySecret(g.credentials.token);
    const at = Date.now();
    const captured = signGatewayReport(gatewayHeartbeat, key, figures(g.gwId, 1111, at));
    bus.publish(gatewayHeartbeat, captured);
    await until(async () => (await monitor(g.id)).Data.UpFlow === 1111);
    bus.publish(gatewayHeartbeat, signGatewayReport(gatewayHeartbeat, key, figures(g.gwId, 2222, at + 5)));
    await until(async () => (await monitor(g.id)).Data.UpFlow === 2222);
    // The gateway went quiet; an eavesdropper replays the first heartbeat, then an older one.
    await testDb.database.db.execute(`update gateways set status = 0 where id = '${g.id}'`);
    bus.publish(gatewayHeartbeat, captured);
    bus.publish(gatewayHeartbeat, signGatewayReport(gatewayHeartbeat, key, figures(g.gwId, 3333, at + 1)));
    await until(() => refusals.filter((r) => r.gwId === g.gwId && r.report === "gateway.heartbeat" && r.reason === "replayed").length === 2);
    const row = await findGatewayByGwId(testDb.database.db, g.gwId);
    expect(row).toMatchObject({ status: 0, upFlowKbps: 2222, reportAt: { "gateway.heartbeat": at + 5 } });
    // Devices are claimed apart from heartbeats: a device list with an earlier `at` than the last heartbeat applies.
    bus.publish(gatewayDevices, signGatewayReport(gatewayDevices, key, { gwId: g.gwId, devices: [lanDevice], at: at + 2 }));
    await until(async () => (await deviceCount(g.id)) === 1);
  });
});

describe("delete over the bus", () => {
  it("publishes gateway.revoked; the box's key cannot activate again and its heartbeats are answered with revocations", async () => {
    const key = await newKey();
    const g = await activate(key);
    expect((await h.call(h.alice, "DELETE", `/ivc/cms/gateway/delete?Id=${g.id}`)).env.StatusCode).toBe(200);
    await until(() => revokedEvents.includes(g.gwId));
    expect(await refusal(activate(key))).toBe("gateway_key_invalid");
    const before = revokedEvents.filter((id) => id === g.gwId).length;
    // Signed with the token it was given: the proof died with the gateway row.
    beat(g);
    await until(() => revokedEvents.filter((id) => id === g.gwId).length > before);
    expect(refusals).toContainEqual({ gwId: g.gwId, report: "gateway.heartbeat", reason: "unknown_gateway" });
    expect(await findGatewayByGwId(testDb.database.db, g.gwId)).toBeUndefined();
  });
});

describe("upgrade over the bus", () => {
  it("reaches the box with the bundle URL; the box's upgrade_in_progress is 42205; a box that does not answer is 51603", async () => {
    await recordRelease(testDb.database.db, { version: "3.0.0", services: { "edge-agent": "3.0.0" }, notes: "", file: "3.0.0.ivcb", sha256: "b".repeat(64), size: 1 });
    const g = await activate(await newKey());
    const received: Array<{ version: string; bundleUrl: string }> = [];
    let busy = false;
    const box = bus.reply(gatewayUpgrade, { gwId: g.gwId }, (request) => {
      received.push(request);
      if (busy) throw new BusHandlerError("upgrade_in_progress", "an upgrade is running");
      return { accepted: true as const };
    });
    await nc.flush();
    try {
      expect((await h.call(h.alice, "POST", `/ivc/cms/gateway/upgrade?Id=${g.id}`)).env.StatusCode).toBe(200);
      expect(received).toHaveLength(1);
      expect(received[0]?.version).toBe("3.0.0");
      expect(received[0]?.bundleUrl).toContain(`/ivc/releases/3.0.0.bundle?GwId=${g.gwId}&`);

      // The box finished (its report clears the platform's "running"), yet says it is busy.
      beat(g);
      await until(async () => (await h.call<{ Services: Array<{ UpgradeInfo: string }> }>(h.alice, "GET", `/ivc/cms/gateway/version?Id=${g.id}`)).env.Data.Services[0]?.UpgradeInfo === "");
      busy = true;
      expect((await h.call(h.alice, "POST", `/ivc/cms/gateway/upgrade?Id=${g.id}`)).env.StatusCode).toBe(42205);
    } finally {
      box.unsubscribe();
    }
    await nc.flush();
    beat(g);
    await until(async () => (await h.call<{ Services: Array<{ UpgradeInfo: string }> }>(h.alice, "GET", `/ivc/cms/gateway/version?Id=${g.id}`)).env.Data.Services[0]?.UpgradeInfo === "");
    expect((await h.call(h.alice, "POST", `/ivc/cms/gateway/upgrade?Id=${g.id}`)).env.StatusCode).toBe(51603);
  });
});
