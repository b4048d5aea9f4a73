import { verifyStreamSignature } from "@ivc/media";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeviceEventHandlers } from "../src/bus/device-events.js";
import { createHarness, testNode } from "./support/harness.js";
import type { Harness } from "./support/harness.js";
import { createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";

let testDb: TestDatabase;
let h: Harness;

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database);
});
afterAll(async () => {
  await h?.app.close();
  await testDb?.drop();
});

interface Device {
  Id: string;
  Code: string;
  Name: string;
  AccessProtocol: number;
  Type: number;
  ClusterId: string;
  ClusterName?: string;
  TransportProtocol: number;
  Password: string;
  Description: string;
  Status: number;
  OrganizationId: string;
}
interface Description extends Device {
  SipId: string;
  SipDomain: string;
  SipIp: string;
  SipPort: number;
  PushStreamUrl: string;
  Manufacturer: string;
}

const gb = { Name: "hik1", AccessProtocol: 2, Type: 1, TransportProtocol: 1, Password: "123456", Description: "description", OrganizationId: "0", ClusterId: testNode.id };

async function addDevice(overrides: Record<string, unknown> = {}) {
  const r = await h.call<Device>(h.alice, "POST", "/ivc/cms/device/add", { ...gb, ...overrides });
  return r;
}

describe("device add", () => {
  it("answers the device with a 20-digit GB code from the node's domain, type 132 for IPC, and Status 0", async () => {
    const { env } = await addDevice();
    expect(env.StatusCode).toBe(200);
    expect(env.Data).toEqual({
      Id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      Code: expect.stringMatching(/^3402000000132\d{7}$/),
      Name: "hik1",
      AccessProtocol: 2,
      Type: 1,
      ClusterId: testNode.id,
      ClusterName: testNode.name,
      TransportProtocol: 1,
      Password: "123456",
      Description: "description",
      Status: 0,
      OrganizationId: "0",
    });
    expect(h.control.changes).toContainEqual({ code: env.Data.Code, change: "upserted" });
  });

  it("gives NVRs type 118 and every device a unique, increasing code", async () => {
    const a = await addDevice({ Type: 2 });
    const b = await addDevice({ Type: 2 });
    expect(a.env.Data.Code).toMatch(/^3402000000118\d{7}$/);
    expect(Number(b.env.Data.Code.slice(14))).toBe(Number(a.env.Data.Code.slice(14)) + 1);
  });

  it("gives 20 concurrent adds 20 distinct codes", async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => addDevice()));
    const codes = new Set(results.map((r) => r.env.Data.Code));
    expect(codes.size).toBe(20);
  });

  it("generates a password for a GB device added without one", async () => {
    const { env } = await addDevice({ Password: undefined });
    expect(env.Data.Password).toMatch(/^\d{8}$/);
  });

  it.each([
    ["an RTMP NVR", { AccessProtocol: 1, Type: 2 }, 40003],
    ["AccessProtocol 3 (gateway)", { AccessProtocol: 3 }, 40002],
    ["an unknown Type", { Type: 7 }, 40003],
    ["TransportProtocol 3", { TransportProtocol: 3 }, 40005],
    ["a 33-character name", { Name: "a".repeat(33) }, 41624],
    ["a name with forbidden characters", { Name: "cam<1>" }, 41624],
    ["a description with forbidden characters", { Description: "hello world!" }, 41625],
    ["a 129-character description", { Description: "d".repeat(129) }, 41625],
    ["a password with symbols", { Password: "12345#" }, 41626],
    ["a one-character password", { Password: "1" }, 41635],
    ["a 64-character password", { Password: "1".repeat(64) }, 41635],
    ["an unknown service node", { ClusterId: "00000000-0000-4000-8000-000000000000" }, 41610],
    ["an unknown organization", { OrganizationId: "424242" }, 40006],
    ["a string AccessProtocol", { AccessProtocol: "2" }, 40005],
    ["a missing Name", { Name: undefined }, 41624],
  ])("refuses %s with %s", async (_what, overrides, code) => {
    const { env } = await addDevice(overrides);
    expect(env).toMatchObject({ Code: 500, StatusCode: code });
    expect(typeof env.Data).toBe("string");
  });
});

describe("device describe", () => {
  it("gives a GB device the SIP registration target of its node and no push URL", async () => {
    const added = await addDevice();
    const { env } = await h.call<Description>(h.alice, "GET", `/ivc/cms/device/describe?Id=${added.env.Data.Id}`);
    expect(env.Data).toMatchObject({
      Id: added.env.Data.Id,
      Code: added.env.Data.Code,
      SipId: testNode.sipId,
      SipDomain: testNode.sipDomain,
      SipIp: testNode.sipIp,
      SipPort: testNode.sipPort,
      Password: "123456",
      PushStreamUrl: "",
      Manufacturer: "",
      ClusterName: testNode.name,
    });
  });

  it("gives an RTMP device an unsigned push URL while push authentication is off", async () => {
    const added = await addDevice({ AccessProtocol: 1, Password: undefined });
    const { env } = await h.call<Description>(h.alice, "GET", `/ivc/cms/device/describe?Id=${added.env.Data.Id}`);
    expect(env.Data.PushStreamUrl).toBe(`rtmp://192.0.2.10:1935/live/${added.env.Data.Code}`);
  });

  it("signs the push URL with the account's PushSecret for PushExpired minutes, as media-relay verifies it", async () => {
    const added = await addDevice({ AccessProtocol: 1, Password: undefined });
    expect((await h.setStreamAuth(h.alice, { PushState: 1, PushSecret: "pushKey1", PushExpired: 30 })).StatusCode).toBe(200);
    const before = Math.floor(Date.now() / 1000);
    const { env } = await h.call<Description>(h.alice, "GET", `/ivc/cms/device/describe?Id=${added.env.Data.Id}`);
    const after = Math.floor(Date.now() / 1000);
    const url = new URL(env.Data.PushStreamUrl);
    expect(`${url.protocol}//${url.host}${url.pathname}`).toBe(`rtmp://192.0.2.10:1935/live/${added.env.Data.Code}`);
    const path = `/live/${added.env.Data.Code}`;
    const check = verifyStreamSignature(path, url.searchParams, "pushKey1", after);
    expect(check.ok && check.expiresAt >= before + 1800 && check.expiresAt <= after + 1800).toBe(true);
    expect(verifyStreamSignature(path, url.searchParams, "pushKey1", after + 1801)).toEqual({ ok: false, reason: "expired" });
    expect(verifyStreamSignature(path, url.searchParams, "other", after)).toEqual({ ok: false, reason: "mismatch" });
    await h.setStreamAuth(h.alice, {});
  });

  it("refuses an unknown device with 42206 and a malformed Id with 41638", async () => {
    expect((await h.call(h.alice, "GET", "/ivc/cms/device/describe?Id=00000000-0000-4000-8000-000000000000")).env.StatusCode).toBe(42206);
    expect((await h.call(h.alice, "GET", "/ivc/cms/device/describe?Id=nope")).env.StatusCode).toBe(41638);
  });
});

describe("device update", () => {
  it("changes only the given fields and answers the device", async () => {
    const added = await addDevice();
    const id = added.env.Data.Id;
    const { env } = await h.call<Device>(h.alice, "PUT", `/ivc/cms/device/update?Id=${id}`, { Id: id, Name: "renamed", Password: "admin123" });
    expect(env.Data).toEqual({ ...added.env.Data, Name: "renamed", Password: "admin123" });
  });

  it("refuses a query Id that differs from the body Id", async () => {
    const a = await addDevice();
    const b = await addDevice();
    const { env } = await h.call(h.alice, "PUT", `/ivc/cms/device/update?Id=${a.env.Data.Id}`, { Id: b.env.Data.Id, Name: "x" });
    expect(env.StatusCode).toBe(40005);
  });
});

describe("device updatestatus", () => {
  it("disables (Status 3) and enables back to the link status, notifying the bus", async () => {
    const added = await addDevice();
    const id = added.env.Data.Id;
    h.control.changes.length = 0;
    const off = await h.call(h.alice, "PUT", `/ivc/cms/device/updatestatus?Id=${id}`, { Id: id, Status: 3 });
    expect(off.env).toMatchObject({ StatusCode: 200, Data: null });
    expect((await h.call<Description>(h.alice, "GET", `/ivc/cms/device/describe?Id=${id}`)).env.Data.Status).toBe(3);
    expect(h.control.changes).toEqual([{ code: added.env.Data.Code, change: "upserted" }]);

    await createDeviceEventHandlers(testDb.database.db).online({ clusterId: testNode.id, deviceId: added.env.Data.Code });
    expect((await h.call<Description>(h.alice, "GET", `/ivc/cms/device/describe?Id=${id}`)).env.Data.Status).toBe(3);
    await h.call(h.alice, "PUT", `/ivc/cms/device/updatestatus?Id=${id}`, { Id: id, Status: 2 });
    expect((await h.call<Description>(h.alice, "GET", `/ivc/cms/device/describe?Id=${id}`)).env.Data.Status).toBe(1);
  });

  it("refuses Status values other than 2 and 3 with 40004", async () => {
    const added = await addDevice();
    const { env } = await h.call(h.alice, "PUT", "/ivc/cms/device/updatestatus", { Id: added.env.Data.Id, Status: 1 });
    expect(env.StatusCode).toBe(40004);
  });
});

describe("device delete", () => {
  it("deletes the device and tells the bus", async () => {
    const added = await addDevice();
    const { env } = await h.call(h.alice, "DELETE", `/ivc/cms/device/delete?Id=${added.env.Data.Id}`);
    expect(env).toMatchObject({ StatusCode: 200, Data: null });
    expect(h.control.changes).toContainEqual({ code: added.env.Data.Code, change: "deleted" });
    expect((await h.call(h.alice, "GET", `/ivc/cms/device/describe?Id=${added.env.Data.Id}`)).env.StatusCode).toBe(42206);
    expect((await h.call(h.alice, "DELETE", `/ivc/cms/device/delete?Id=${added.env.Data.Id}`)).env.StatusCode).toBe(42206);
  });
});

describe("device list and batch organization change", () => {
  let top: string;
  let sub: string;
  const ids: string[] = [];

  beforeAll(async () => {
    top = (await h.call<{ Id: string }>(h.alice, "POST", "/ivc/cms/organization/add", { Name: "list-top", ParentId: "0" })).env.Data.Id;
    sub = (await h.call<{ Id: string }>(h.alice, "POST", "/ivc/cms/organization/add", { Name: "list-sub", ParentId: top })).env.Data.Id;
    for (const [name, org, protocol] of [
      ["大华球机01", top, 2],
      ["大华球机02", top, 2],
      ["hik_100", sub, 2],
      ["rtmp-cam", sub, 1],
      ["hikX100", sub, 2],
    ] as const) {
      ids.push((await addDevice({ Name: name, OrganizationId: org, AccessProtocol: protocol, Password: undefined })).env.Data.Id);
    }
  });

  const list = (query: string) =>
    h.call<{ TotalCount: number; List: Device[]; RequestId: string }>(h.alice, "GET", `/ivc/urm/resource/getUserResources?${query}`);

  it("lists only the organization's own devices by default, in insertion order, with paging", async () => {
    const { env } = await list(`OrganizationId=${top}&PageNumber=1&PageSize=1`);
    expect(env.Data.TotalCount).toBe(2);
    expect(env.Data.List.map((d) => d.Name)).toEqual(["大华球机01"]);
    expect(env.Data.RequestId).toBe(env.RequestId);
    // The spec's fields and one extension, LastKeepaliveTime (docs/api-decisions.md "Devices").
    expect(Object.keys(env.Data.List[0] ?? {}).sort()).toEqual(
      ["AccessProtocol", "ClusterId", "Code", "Description", "Id", "LastKeepaliveTime", "Name", "OrganizationId", "Password", "Status", "TransportProtocol", "Type"].sort(),
    );
    const page2 = await list(`OrganizationId=${top}&PageNumber=2&PageSize=1`);
    expect(page2.env.Data.List.map((d) => d.Name)).toEqual(["大华球机02"]);
  });

  it("includes sub-organizations with IsContainSubLevel=true", async () => {
    expect((await list(`OrganizationId=${top}&IsContainSubLevel=true`)).env.Data.TotalCount).toBe(5);
  });

  it("filters by AccessProtocol, Status, ClusterId and a literal Keyword substring", async () => {
    expect((await list(`OrganizationId=${top}&IsContainSubLevel=true&AccessProtocol=1`)).env.Data.List.map((d) => d.Name)).toEqual(["rtmp-cam"]);
    expect((await list(`OrganizationId=${sub}&Keyword=k_1`)).env.Data.List.map((d) => d.Name)).toEqual(["hik_100"]);
    expect((await list(`OrganizationId=${sub}&Keyword=HIK`)).env.Data.TotalCount).toBe(2);
    expect((await list(`OrganizationId=${top}&IsContainSubLevel=true&Status=3`)).env.Data.TotalCount).toBe(0);
    expect((await list(`OrganizationId=${top}&IsContainSubLevel=true&Status=0&ClusterId=${testNode.id}`)).env.Data.TotalCount).toBe(5);
  });

  it.each([
    ["PageNumber=0", 43720],
    ["PageSize=0", 43721],
    ["PageSize=1001", 43721],
    ["Status=9", 40004],
    ["Type=3", 40003],
  ])("refuses %s with %s", async (query, code) => {
    expect((await list(`OrganizationId=${top}&${query}`)).env.StatusCode).toBe(code);
  });

  it("moves devices to another organization all or nothing", async () => {
    const [a, b] = ids;
    const missing = "00000000-0000-4000-8000-000000000000";
    const refused = await h.call(h.alice, "PUT", "/ivc/cms/device/updateorg", { Ids: [a, missing], OrganizationId: sub });
    expect(refused.env.StatusCode).toBe(42206);
    expect((await list(`OrganizationId=${top}`)).env.Data.TotalCount).toBe(2);
    const moved = await h.call(h.alice, "PUT", "/ivc/cms/device/updateorg", { Ids: [a, b], OrganizationId: sub });
    expect(moved.env).toMatchObject({ StatusCode: 200, Data: null });
    expect((await list(`OrganizationId=${top}`)).env.Data.TotalCount).toBe(0);
    expect((await list(`OrganizationId=${sub}`)).env.Data.TotalCount).toBe(5);
  });

  it("refuses an empty Ids array and a non-array", async () => {
    expect((await h.call(h.alice, "PUT", "/ivc/cms/device/updateorg", { Ids: [], OrganizationId: sub })).env.StatusCode).toBe(40005);
    expect((await h.call(h.alice, "PUT", "/ivc/cms/device/updateorg", { Ids: "x", OrganizationId: sub })).env.StatusCode).toBe(40005);
  });
});
