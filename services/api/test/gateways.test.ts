import { randomBytes, randomUUID } from "node:crypto";
import type { GatewayDevice } from "@ivc/bus";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGatewayEventHandlers } from "../src/bus/gateway-events.js";
import { refuse } from "../src/errors/outcome.js";
import { ErrorCodes } from "../src/errors/codes.js";
import { activateGateway } from "../src/store/gateway-activation.js";
import { createGatewayKey } from "../src/store/gateway-keys.js";
import { markSilentGatewaysOffline } from "../src/store/gateways.js";
import { recordRelease } from "../src/store/releases.js";
import { ensureServiceNode } from "../src/store/service-nodes.js";
import { succeed } from "../src/errors/outcome.js";
import { createHarness, testNode } from "./support/harness.js";
import type { Harness } from "./support/harness.js";
import { TEST_BUNDLE_BASE_URL } from "./support/fake-gateway-control.js";
import { createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";

let testDb: TestDatabase;
let h: Harness;
let handlers: ReturnType<typeof createGatewayEventHandlers>;
const revoked: string[] = [];
const otherNode = { ...testNode, id: randomUUID(), name: "上海1", sipDomain: "3101000000" };

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database);
  await ensureServiceNode(testDb.database.db, otherNode);
  handlers = createGatewayEventHandlers(testDb.database.db, h.keyDeps.box, { revoke: (gwId) => void revoked.push(gwId) });
});
afterAll(async () => {
  await h?.app.close();
  await testDb?.drop();
});
beforeEach(() => {
  h.gatewayControl.upgrades.length = 0;
  h.gatewayControl.revocations.length = 0;
  h.gatewayControl.upgradeAnswer = succeed(null);
});

interface Activated {
  id: string;
  gwId: string;
}

async function activate(appId: string, hostname = "store-a", clusterId = testNode.id): Promise<Activated> {
  const { key } = await createGatewayKey(testDb.database.db, appId, clusterId, 60_000);
  const result = await activateGateway(testDb.database.db, key, { hostname, machineId: `m-${randomBytes(8).toString("hex")}`, versions: { "edge-agent": "1.0.0" } });
  if (!result.ok) throw new Error(result.reason);
  return result.value;
}

const counts = (total: number, online: number) => ({ total, online, offline: total - online });

function heartbeat(gwId: string, fields: Partial<Parameters<typeof handlers.heartbeat>[0]> = {}) {
  return handlers.heartbeat({
    gwId,
    upFlowKbps: 2048,
    devices: counts(2, 1),
    channels: counts(3, 2),
    versions: { "edge-agent": "1.0.0" },
    upgrade: { state: "idle", current: "1.0.0", at: Date.now() },
    ...fields,
  });
}

function lanDevice(id: string, fields: Partial<GatewayDevice> = {}): GatewayDevice {
  return {
    id,
    name: "Front door cam",
    protocolType: 4,
    type: 1,
    ip: "192.168.1.64",
    port: 80,
    online: true,
    channels: [{ channelId: `${id}-1`, name: "main", online: true, ptz: true }],
    manufacturer: "ACME",
    ...fields,
  };
}

interface ListItem {
  Id: string;
  GwId: string;
  Name: string;
  Description: string;
  ClusterId: string;
  ClusterName: string;
  Status: number;
  CreatedAt: string;
}

describe("G1 list", () => {
  it("lists the caller's gateways with the documented fields, filtered by name, node and status, paged", async () => {
    const appId = h.alice.appId;
    const a = await activate(appId, "shop-north");
    const b = await activate(appId, "shop-south", otherNode.id);
    const c = await activate(appId, "warehouse");
    await testDb.database.db.execute(`update gateways set status = 0 where id = '${c.id}'`);

    const all = await h.call<{ TotalCount: number; List: ListItem[] }>(h.alice, "GET", "/ivc/cms/gateway/list?Name=SHOP");
    expect(all.env.StatusCode).toBe(200);
    expect(all.env.Data.TotalCount).toBe(2);
    const first = all.env.Data.List[0];
    expect(first).toEqual({ Id: a.id, GwId: a.gwId, Name: "shop-north", Description: "", ClusterId: testNode.id, ClusterName: testNode.name, Status: 1, CreatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/) });
    expect(a.gwId).toMatch(/^[A-Za-z0-9]{32}$/);

    const byNode = await h.call<{ List: ListItem[] }>(h.alice, "GET", `/ivc/cms/gateway/list?ClusterId=${otherNode.id}`);
    expect(byNode.env.Data.List.map((g) => g.Id)).toEqual([b.id]);
    expect(byNode.env.Data.List[0]?.ClusterName).toBe("上海1");
    const offline = await h.call<{ List: ListItem[] }>(h.alice, "GET", "/ivc/cms/gateway/list?Status=0");
    expect(offline.env.Data.List.map((g) => g.Id)).toEqual([c.id]);

    const page2 = await h.call<{ TotalCount: number; List: ListItem[] }>(h.alice, "GET", "/ivc/cms/gateway/list?PageNumber=2&PageSize=1&Name=shop");
    expect(page2.env.Data).toMatchObject({ TotalCount: 2, List: [{ Id: b.id }] });
  });

  it("refuses a bad page, status or node id with their codes", async () => {
    expect((await h.call(h.alice, "GET", "/ivc/cms/gateway/list?PageNumber=0")).env.StatusCode).toBe(43720);
    expect((await h.call(h.alice, "GET", "/ivc/cms/gateway/list?PageSize=100000")).env.StatusCode).toBe(43721);
    expect((await h.call(h.alice, "GET", "/ivc/cms/gateway/list?Status=2")).env.StatusCode).toBe(40005);
    expect((await h.call(h.alice, "GET", "/ivc/cms/gateway/list?ClusterId=nope")).env.StatusCode).toBe(41610);
  });
});

describe("G2 describe, G3 monitor", () => {
  it("describes a gateway with the version of each service it reports", async () => {
    const g = await activate(h.alice.appId, "store a.local");
    await heartbeat(g.gwId, { versions: { "edge-agent": "1.0.0", nats: "2.10.1" } });
    const { env } = await h.call(h.alice, "GET", `/ivc/cms/gateway/describe?Id=${g.id}`);
    expect(env.Data).toEqual({
      Id: g.id,
      Name: "store-a-local",
      GwId: g.gwId,
      ClusterId: testNode.id,
      ClusterName: testNode.name,
      Description: "",
      Version: [
        { Name: "edge-agent", Version: "1.0.0" },
        { Name: "nats", Version: "2.10.1" },
      ],
    });
  });

  it("reports the last heartbeat's figures, and zero online while the gateway is offline", async () => {
    const g = await activate(h.alice.appId);
    await heartbeat(g.gwId, { upFlowKbps: 1500, devices: counts(4, 3), channels: counts(9, 7) });
    const online = await h.call(h.alice, "GET", `/ivc/cms/gateway/monitor?Id=${g.id}`);
    expect(online.env.Data).toEqual({ UpFlow: 1500, DeviceTotal: 4, DeviceOnline: 3, DeviceOffline: 1, ChannelTotal: 9, ChannelOnline: 7, ChannelOffline: 2 });
    await testDb.database.db.execute(`update gateways set last_heartbeat_at = now() - interval '1 hour' where id = '${g.id}'`);
    await markSilentGatewaysOffline(testDb.database.db, new Date(Date.now() - 15_000));
    const offline = await h.call(h.alice, "GET", `/ivc/cms/gateway/monitor?Id=${g.id}`);
    expect(offline.env.Data).toEqual({ UpFlow: 0, DeviceTotal: 4, DeviceOnline: 0, DeviceOffline: 4, ChannelTotal: 9, ChannelOnline: 0, ChannelOffline: 9 });
  });

  it("answers 40006 for an Id that is no gateway", async () => {
    expect((await h.call(h.alice, "GET", `/ivc/cms/gateway/describe?Id=${randomUUID()}`)).env.StatusCode).toBe(40006);
  });
});

describe("G4 devicelist and the device APIs", () => {
  it("turns the box's device list into AccessProtocol 3 devices with channels, and lists them under the gateway", async () => {
    const g = await activate(h.alice.appId);
    const boxId = `dev-${randomBytes(4).toString("hex")}`;
    await handlers.devices({ gwId: g.gwId, devices: [lanDevice(boxId), lanDevice(`${boxId}x`, { protocolType: 1, type: 2, online: false, name: "NVR 1", port: 8000, channels: [] })] });

    const list = await h.call<{ TotalCount: number; List: Array<Record<string, unknown>> }>(h.alice, "GET", `/ivc/cms/gateway/devicelist?Id=${g.id}`);
    expect(list.env.Data.TotalCount).toBe(2);
    expect(list.env.Data.List).toEqual([
      { Id: expect.any(String), Name: "Front-door-cam", ProtocolType: 4, ProtocolTypeName: "Onvif", Type: 1, Ip: "192.168.1.64", Port: 80, ChannelNum: 1, Status: 1 },
      { Id: expect.any(String), Name: "NVR-1", ProtocolType: 1, ProtocolTypeName: "海康SDK", Type: 2, Ip: "192.168.1.64", Port: 8000, ChannelNum: 0, Status: 2 },
    ]);

    const deviceId = String(list.env.Data.List[0]?.Id);
    const described = await h.call<{ AccessProtocol: number; Manufacturer: string; Status: number }>(h.alice, "GET", `/ivc/cms/device/describe?Id=${deviceId}`);
    expect(described.env.Data).toMatchObject({ AccessProtocol: 3, Manufacturer: "ACME", Status: 1 });
    const channels = await h.call<Array<{ ChannelCode: string; PtzType: number; State: number }>>(h.alice, "GET", `/ivc/cms/device/channel?DeviceId=${deviceId}`);
    expect(channels.env.Data).toEqual([expect.objectContaining({ ChannelCode: `${boxId}-1`, PtzType: 1, State: 1 })]);

    // The box dropped the NVR and the camera went offline.
    await handlers.devices({ gwId: g.gwId, devices: [lanDevice(boxId, { online: false })] });
    const after = await h.call<{ List: Array<{ Id: string; Status: number }> }>(h.alice, "GET", `/ivc/cms/gateway/devicelist?Id=${g.id}`);
    expect(after.env.Data.List).toEqual([expect.objectContaining({ Id: deviceId, Status: 2 })]);
  });

  it("answers reports of an unknown gwId with a revocation", async () => {
    const gwId = randomBytes(16).toString("hex");
    await handlers.devices({ gwId, devices: [] });
    await heartbeat(gwId);
    expect(revoked.filter((r) => r === gwId)).toHaveLength(2);
  });
});

describe("heartbeat loss", () => {
  it("sets a silent gateway's Status to 0 with its devices and channels offline; a heartbeat brings it back", async () => {
    const g = await activate(h.alice.appId);
    await handlers.devices({ gwId: g.gwId, devices: [lanDevice(`dev-${randomBytes(4).toString("hex")}`)] });
    const fresh = await activate(h.alice.appId);
    await testDb.database.db.execute(`update gateways set last_heartbeat_at = now() - interval '20 seconds' where id = '${g.id}'`);

    const swept = await markSilentGatewaysOffline(testDb.database.db, new Date(Date.now() - 15_000));
    expect(swept).toContain(g.gwId);
    expect(swept).not.toContain(fresh.gwId);
    const list = await h.call<{ List: ListItem[] }>(h.alice, "GET", "/ivc/cms/gateway/list?Status=0&PageSize=1000");
    expect(list.env.Data.List.map((x) => x.Id)).toContain(g.id);
    const devices = await h.call<{ List: Array<{ Id: string; Status: number }> }>(h.alice, "GET", `/ivc/cms/gateway/devicelist?Id=${g.id}`);
    expect(devices.env.Data.List.map((d) => d.Status)).toEqual([2]);
    const channels = await h.call<Array<{ State: number }>>(h.alice, "GET", `/ivc/cms/device/channel?DeviceId=${devices.env.Data.List[0]?.Id}`);
    expect(channels.env.Data.map((c) => c.State)).toEqual([0]);

    await heartbeat(g.gwId);
    const back = await h.call<{ List: ListItem[] }>(h.alice, "GET", "/ivc/cms/gateway/list?Status=1&PageSize=1000");
    expect(back.env.Data.List.map((x) => x.Id)).toContain(g.id);
  });
});

describe("G5 protocoltype", () => {
  it("answers the 10001 dictionary exactly as documented", async () => {
    const { env } = await h.call(h.alice, "GET", "/ivc/cms/gateway/protocoltype");
    expect(env.Data).toEqual([
      { TypeCode: "10001", Label: "海康SDK", Value: 1 },
      { TypeCode: "10001", Label: "大华SDK", Value: 2 },
      { TypeCode: "10001", Label: "宇视SDK", Value: 3 },
      { TypeCode: "10001", Label: "Onvif", Value: 4 },
    ]);
  });
});

describe("G6 version and G7 upgrade", () => {
  // Releases are platform-wide; versions here are unique to this file's database.
  const release = { version: "2.0.0", services: { "edge-agent": "2.0.0", nats: "2.10.1" }, notes: "adds ONVIF PTZ", file: "2.0.0.ivcb", sha256: "a".repeat(64), size: 10 };

  it("refuses an upgrade while no release is published, then shows installed vs latest per service", async () => {
    const g = await activate(h.alice.appId);
    expect((await h.call(h.alice, "POST", `/ivc/cms/gateway/upgrade?Id=${g.id}`)).env.StatusCode).toBe(40006);
    await recordRelease(testDb.database.db, release);
    await heartbeat(g.gwId, { versions: { "edge-agent": "1.0.0", nats: "2.10.1" } });
    const { env } = await h.call(h.alice, "GET", `/ivc/cms/gateway/version?Id=${g.id}`);
    expect(env.Data).toEqual({
      Services: [
        { Name: "edge-agent", Version: "1.0.0", LatestVersion: "2.0.0", IsUpdate: true, UpgradeInfo: "adds ONVIF PTZ" },
        { Name: "nats", Version: "2.10.1", LatestVersion: "2.10.1", IsUpdate: false, UpgradeInfo: "" },
      ],
    });
  });

  it("sends the latest release with a signed bundle URL, answers at once, and refuses a second upgrade with 42205", async () => {
    await recordRelease(testDb.database.db, release);
    const g = await activate(h.alice.appId);
    await heartbeat(g.gwId);
    const { env } = await h.call(h.alice, "POST", `/ivc/cms/gateway/upgrade?Id=${g.id}`);
    expect(env).toMatchObject({ StatusCode: 200, Data: null });
    expect(h.gatewayControl.upgrades).toHaveLength(1);
    const sent = h.gatewayControl.upgrades[0];
    expect(sent?.gwId).toBe(g.gwId);
    expect(sent?.version).toBe("2.0.0");
    const url = new URL(sent?.bundleUrl ?? "");
    expect(`${url.origin}${url.pathname}`).toBe(`${TEST_BUNDLE_BASE_URL}/ivc/releases/2.0.0.bundle`);
    expect(url.searchParams.get("GwId")).toBe(g.gwId);
    expect(url.searchParams.get("Signature")).toMatch(/^[0-9a-f]{64}$/);

    const again = await h.call(h.alice, "POST", `/ivc/cms/gateway/upgrade?Id=${g.id}`);
    expect(again.env.StatusCode).toBe(42205);
    expect(h.gatewayControl.upgrades).toHaveLength(1);
    const version = await h.call<{ Services: Array<{ Name: string; UpgradeInfo: string }> }>(h.alice, "GET", `/ivc/cms/gateway/version?Id=${g.id}`);
    expect(version.env.Data.Services.find((s) => s.Name === "edge-agent")?.UpgradeInfo).toBe("upgrading to 2.0.0: downloading");

    // The box reports a rollback: the upgrade is over, its reason is visible, and a new upgrade may start.
    await handlers.upgradeStatus({ gwId: g.gwId, state: "rolled-back", version: "2.0.0", current: "1.0.0", reason: "bad digest: main.js", at: Date.now() + 1000 });
    const rolled = await h.call<{ Services: Array<{ Name: string; UpgradeInfo: string }> }>(h.alice, "GET", `/ivc/cms/gateway/version?Id=${g.id}`);
    expect(rolled.env.Data.Services.find((s) => s.Name === "edge-agent")?.UpgradeInfo).toBe("upgrade to 2.0.0 rolled-back: bad digest: main.js");
    expect((await h.call(h.alice, "POST", `/ivc/cms/gateway/upgrade?Id=${g.id}`)).env.StatusCode).toBe(200);
  });

  it("answers 51603 for an offline gateway and passes on the box's refusal", async () => {
    await recordRelease(testDb.database.db, release);
    const g = await activate(h.alice.appId);
    await heartbeat(g.gwId);
    h.gatewayControl.upgradeAnswer = refuse(ErrorCodes.ResourceInUse, "box says: upgrade in progress");
    expect((await h.call(h.alice, "POST", `/ivc/cms/gateway/upgrade?Id=${g.id}`)).env.StatusCode).toBe(42205);
    await testDb.database.db.execute(`update gateways set status = 0 where id = '${g.id}'`);
    expect((await h.call(h.alice, "POST", `/ivc/cms/gateway/upgrade?Id=${g.id}`)).env.StatusCode).toBe(51603);
  });

  it("does nothing for a gateway already on the latest release", async () => {
    await recordRelease(testDb.database.db, release);
    const g = await activate(h.alice.appId);
    await heartbeat(g.gwId, { upgrade: { state: "succeeded", current: "2.0.0", version: "2.0.0", at: Date.now() } });
    expect((await h.call(h.alice, "POST", `/ivc/cms/gateway/upgrade?Id=${g.id}`)).env.StatusCode).toBe(200);
    expect(h.gatewayControl.upgrades).toHaveLength(0);
  });
});

describe("G8 update", () => {
  it("renames and re-describes, keeps the description when it is left out, and answers the documented fields", async () => {
    const g = await activate(h.alice.appId);
    const { env } = await h.call(h.alice, "PUT", "/ivc/cms/gateway/update", { Id: g.id, Name: "A店铺", Description: "A店铺网关" });
    expect(env.Data).toEqual({ Id: g.id, GwId: g.gwId, Name: "A店铺", Description: "A店铺网关", ClusterId: testNode.id, ClusterName: testNode.name, Status: 1 });
    const renamed = await h.call<{ Description: string }>(h.alice, "PUT", "/ivc/cms/gateway/update", { Id: g.id, Name: "B店铺" });
    expect(renamed.env.Data.Description).toBe("A店铺网关");
  });

  it("refuses a missing or invalid name with 41624, an invalid description with 41625, an unknown Id with 40006", async () => {
    const g = await activate(h.alice.appId);
    expect((await h.call(h.alice, "PUT", "/ivc/cms/gateway/update", { Id: g.id })).env.StatusCode).toBe(41624);
    expect((await h.call(h.alice, "PUT", "/ivc/cms/gateway/update", { Id: g.id, Name: "a b" })).env.StatusCode).toBe(41624);
    expect((await h.call(h.alice, "PUT", "/ivc/cms/gateway/update", { Id: g.id, Name: "x".repeat(33) })).env.StatusCode).toBe(41624);
    expect((await h.call(h.alice, "PUT", "/ivc/cms/gateway/update", { Id: g.id, Name: "ok", Description: "no spaces!" })).env.StatusCode).toBe(41625);
    expect((await h.call(h.alice, "PUT", "/ivc/cms/gateway/update", { Id: randomUUID(), Name: "ok" })).env.StatusCode).toBe(40006);
  });
});

describe("G9 delete", () => {
  it("deletes the gateway with its devices and channels and revokes the box", async () => {
    const g = await activate(h.alice.appId);
    await handlers.devices({ gwId: g.gwId, devices: [lanDevice(`dev-${randomBytes(4).toString("hex")}`)] });
    const deviceId = (await h.call<{ List: Array<{ Id: string }> }>(h.alice, "GET", `/ivc/cms/gateway/devicelist?Id=${g.id}`)).env.Data.List[0]?.Id;

    expect((await h.call(h.alice, "DELETE", `/ivc/cms/gateway/delete?Id=${g.id}`)).env).toMatchObject({ StatusCode: 200, Data: null });
    expect(h.gatewayControl.revocations.map((r) => r.gwId)).toEqual([g.gwId]);
    expect((await h.call(h.alice, "GET", `/ivc/cms/device/describe?Id=${deviceId}`)).env.StatusCode).toBe(42206);
    expect((await h.call(h.alice, "GET", `/ivc/cms/gateway/describe?Id=${g.id}`)).env.StatusCode).toBe(40006);
    expect((await h.call(h.alice, "DELETE", `/ivc/cms/gateway/delete?Id=${g.id}`)).env.StatusCode).toBe(40006);
  });
});

describe("cross-account isolation", () => {
  it("no gateway route reads or changes another account's gateway", async () => {
    const g = await activate(h.alice.appId, "alice-shop");
    await heartbeat(g.gwId);
    await recordRelease(testDb.database.db, { version: "2.0.0", services: { "edge-agent": "2.0.0" }, notes: "", file: "2.0.0.ivcb", sha256: "a".repeat(64), size: 10 });
    for (const path of ["describe", "monitor", "devicelist", "version"]) {
      expect((await h.call(h.bob, "GET", `/ivc/cms/gateway/${path}?Id=${g.id}`)).env.StatusCode, path).toBe(40006);
    }
    expect((await h.call(h.bob, "POST", `/ivc/cms/gateway/upgrade?Id=${g.id}`)).env.StatusCode).toBe(40006);
    expect((await h.call(h.bob, "PUT", "/ivc/cms/gateway/update", { Id: g.id, Name: "pwned" })).env.StatusCode).toBe(40006);
    expect((await h.call(h.bob, "DELETE", `/ivc/cms/gateway/delete?Id=${g.id}`)).env.StatusCode).toBe(40006);
    const bobList = await h.call<{ TotalCount: number; List: ListItem[] }>(h.bob, "GET", "/ivc/cms/gateway/list?PageSize=1000");
    expect(bobList.env.Data.List.map((x) => x.Id)).not.toContain(g.id);
    expect(h.gatewayControl.upgrades).toHaveLength(0);
    expect(h.gatewayControl.revocations).toHaveLength(0);
    const still = await h.call<{ Name: string }>(h.alice, "GET", `/ivc/cms/gateway/describe?Id=${g.id}`);
    expect(still.env.Data.Name).toBe("alice-shop");
  });
});
