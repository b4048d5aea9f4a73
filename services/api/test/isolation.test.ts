import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeviceEventHandlers } from "../src/bus/device-events.js";
import { createHarness, testNode } from "./support/harness.js";
import type { Harness } from "./support/harness.js";
import { createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";

// One account's key can neither read nor change another account's rows, endpoint by endpoint.

let testDb: TestDatabase;
let h: Harness;
let aliceOrg: string;
let aliceDevice: { Id: string; Code: string; Name: string };
let bobOrg: string;
let bobDevice: { Id: string };

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database);
  aliceOrg = (await h.call<{ Id: string }>(h.alice, "POST", "/ivc/cms/organization/add", { Name: "alice-org", ParentId: "0" })).env.Data.Id;
  bobOrg = (await h.call<{ Id: string }>(h.bob, "POST", "/ivc/cms/organization/add", { Name: "bob-org", ParentId: "0" })).env.Data.Id;
  const device = { Name: "alice-cam", AccessProtocol: 2, Type: 1, OrganizationId: aliceOrg, ClusterId: testNode.id };
  aliceDevice = (await h.call<{ Id: string; Code: string; Name: string }>(h.alice, "POST", "/ivc/cms/device/add", device)).env.Data;
  bobDevice = (await h.call<{ Id: string }>(h.bob, "POST", "/ivc/cms/device/add", { ...device, Name: "bob-cam", OrganizationId: bobOrg })).env.Data;
  await createDeviceEventHandlers(testDb.database.db).online({ clusterId: testNode.id, deviceId: aliceDevice.Code });
});
afterAll(async () => {
  await h?.app.close();
  await testDb?.drop();
});

async function aliceStillSees() {
  const d = await h.call<{ Name: string; Status: number; OrganizationId: string; Password: string }>(
    h.alice,
    "GET",
    `/ivc/cms/device/describe?Id=${aliceDevice.Id}`,
  );
  const orgs = await h.call<Array<{ Id: string; Name: string }>>(h.alice, "GET", "/ivc/cms/organization/query");
  return { device: d.env.Data, orgs: orgs.env.Data };
}

describe("cross-account isolation", () => {
  it("organization/query shows only the caller's organizations", async () => {
    const { env } = await h.call<Array<{ Name: string }>>(h.bob, "GET", "/ivc/cms/organization/query");
    expect(env.Data.map((o) => o.Name)).toEqual(["bob-org"]);
  });

  it("organization/add cannot hang under another account's organization", async () => {
    const { env } = await h.call(h.bob, "POST", "/ivc/cms/organization/add", { Name: "intruder", ParentId: aliceOrg });
    expect(env.StatusCode).toBe(40006);
  });

  it("organization/add may reuse a name another account uses", async () => {
    const { env } = await h.call(h.bob, "POST", "/ivc/cms/organization/add", { Name: "alice-org", ParentId: "0" });
    expect(env.StatusCode).toBe(200);
  });

  it("organization/update cannot rename another account's organization", async () => {
    const { env } = await h.call(h.bob, "PUT", "/ivc/cms/organization/update", { Id: aliceOrg, Name: "pwned" });
    expect(env.StatusCode).toBe(40006);
    expect((await aliceStillSees()).orgs.find((o) => o.Id === aliceOrg)?.Name).toBe("alice-org");
  });

  it("organization/delete cannot delete another account's organization", async () => {
    const { env } = await h.call(h.bob, "DELETE", `/ivc/cms/organization/delete?Id=${aliceOrg}`);
    expect(env.StatusCode).toBe(40006);
    expect((await aliceStillSees()).orgs.some((o) => o.Id === aliceOrg)).toBe(true);
  });

  it("device/add cannot place a device in another account's organization", async () => {
    const { env } = await h.call(h.bob, "POST", "/ivc/cms/device/add", {
      Name: "x",
      AccessProtocol: 2,
      Type: 1,
      OrganizationId: aliceOrg,
      ClusterId: testNode.id,
    });
    expect(env.StatusCode).toBe(40006);
  });

  it("device/describe does not reveal another account's device", async () => {
    const { env } = await h.call(h.bob, "GET", `/ivc/cms/device/describe?Id=${aliceDevice.Id}`);
    expect(env.StatusCode).toBe(42206);
    expect(JSON.stringify(env)).not.toContain(aliceDevice.Code);
  });

  it("device/update cannot change another account's device", async () => {
    const { env } = await h.call(h.bob, "PUT", `/ivc/cms/device/update?Id=${aliceDevice.Id}`, { Id: aliceDevice.Id, Name: "pwned", Password: "999999" });
    expect(env.StatusCode).toBe(42206);
    expect((await aliceStillSees()).device).toMatchObject({ Name: "alice-cam" });
  });

  it("device/updatestatus cannot disable another account's device", async () => {
    const { env } = await h.call(h.bob, "PUT", `/ivc/cms/device/updatestatus?Id=${aliceDevice.Id}`, { Id: aliceDevice.Id, Status: 3 });
    expect(env.StatusCode).toBe(42206);
    expect((await aliceStillSees()).device.Status).toBe(1);
  });

  it("device/delete cannot delete another account's device", async () => {
    const { env } = await h.call(h.bob, "DELETE", `/ivc/cms/device/delete?Id=${aliceDevice.Id}`);
    expect(env.StatusCode).toBe(42206);
    expect((await aliceStillSees()).device.Name).toBe("alice-cam");
  });

  it("getUserResources lists only the caller's devices, whatever the filters", async () => {
    const all = await h.call<{ TotalCount: number; List: Array<{ Name: string }> }>(
      h.bob,
      "GET",
      "/ivc/urm/resource/getUserResources?OrganizationId=0&IsContainSubLevel=true",
    );
    expect(all.env.Data.List.map((d) => d.Name)).toEqual(["bob-cam"]);
    const theirs = await h.call<{ TotalCount: number }>(h.bob, "GET", `/ivc/urm/resource/getUserResources?OrganizationId=${aliceOrg}`);
    expect(theirs.env.Data.TotalCount).toBe(0);
    const subtree = await h.call(h.bob, "GET", `/ivc/urm/resource/getUserResources?OrganizationId=${aliceOrg}&IsContainSubLevel=true`);
    expect(subtree.env.StatusCode).toBe(40006);
  });

  it("device/updateorg can neither move another account's device nor move into another account's organization", async () => {
    const steal = await h.call(h.bob, "PUT", "/ivc/cms/device/updateorg", { Ids: [aliceDevice.Id], OrganizationId: bobOrg });
    expect(steal.env.StatusCode).toBe(42206);
    const push = await h.call(h.bob, "PUT", "/ivc/cms/device/updateorg", { Ids: [bobDevice.Id], OrganizationId: aliceOrg });
    expect(push.env.StatusCode).toBe(40006);
    expect((await aliceStillSees()).device.OrganizationId).toBe(aliceOrg);
  });

  it("device/channel does not list another account's channels", async () => {
    await createDeviceEventHandlers(testDb.database.db).catalog({
      clusterId: testNode.id,
      deviceId: aliceDevice.Code,
      channels: [{ channelId: "34020000001310000001", name: "secret", online: true }],
    });
    const { env } = await h.call(h.bob, "GET", `/ivc/cms/device/channel?DeviceId=${aliceDevice.Id}`);
    expect(env.StatusCode).toBe(42206);
  });

  it("device/refresh cannot trigger another account's device", async () => {
    const before = h.control.refreshes.length;
    const { env } = await h.call(h.bob, "POST", "/ivc/cms/device/refresh", { DeviceId: aliceDevice.Id });
    expect(env.StatusCode).toBe(42206);
    expect(h.control.refreshes.length).toBe(before);
  });

  it("control/stream gives no URL for another account's device or channel", async () => {
    await createDeviceEventHandlers(testDb.database.db).catalog({
      clusterId: testNode.id,
      deviceId: aliceDevice.Code,
      channels: [{ channelId: "34020000001310000002", name: "live", online: true }],
    });
    const channels = await h.call<Array<{ ChannelId: string; ChannelCode: string }>>(h.alice, "GET", `/ivc/cms/device/channel?DeviceId=${aliceDevice.Id}`);
    const channelId = channels.env.Data.find((c) => c.ChannelCode === "34020000001310000002")?.ChannelId;
    expect((await h.call(h.alice, "POST", "/ivc/cms/control/stream", { ChannelId: channelId })).env.StatusCode).toBe(200);
    const byChannel = await h.call(h.bob, "POST", "/ivc/cms/control/stream", { ChannelId: channelId });
    expect(byChannel.env.StatusCode).toBe(42207);
    expect(JSON.stringify(byChannel.env)).not.toContain("34020000001310000002");
    expect((await h.call(h.bob, "POST", "/ivc/cms/control/stream", { DeviceId: aliceDevice.Id, ChannelId: channelId })).env.StatusCode).toBe(42206);
  });

  it("config/authstream neither shows nor changes another account's secrets", async () => {
    await h.setStreamAuth(h.alice, { PullState: 1, PullSecret: "aliceOnly", PullExpired: 5 });
    const bobView = await h.call(h.bob, "GET", "/ivc/cms/config/authstream");
    expect(JSON.stringify(bobView.env)).not.toContain("aliceOnly");
    const alice = (await h.call<{ Id: string }>(h.alice, "GET", "/ivc/cms/config/authstream")).env.Data;
    const { env } = await h.call(h.bob, "POST", "/ivc/cms/config/authstream", { ...alice, PullSecret: "bobSet" });
    expect(env.StatusCode).toBe(40006);
    expect((await h.call<{ PullSecret: string }>(h.alice, "GET", "/ivc/cms/config/authstream")).env.Data.PullSecret).toBe("aliceOnly");
  });

  it("getallregion and getuserregion show the shared service nodes to every account", async () => {
    for (const path of ["/ivc/cms/config/getallregion", "/ivc/cms/config/getuserregion"]) {
      for (const key of [h.alice, h.bob]) {
        expect((await h.call(key, "GET", path)).env.Data).toEqual([{ Label: testNode.name, Value: testNode.id }]);
      }
    }
  });
});
