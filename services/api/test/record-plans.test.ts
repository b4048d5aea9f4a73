import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssuedKey } from "../src/accounts/keys.js";
import { createDeviceEventHandlers } from "../src/bus/device-events.js";
import type { DeviceEventHandlers } from "../src/bus/device-events.js";
import { createHarness, testNode } from "./support/harness.js";
import type { Harness } from "./support/harness.js";
import { createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";
import { addTemplate, PLAN_PATHS as P } from "./support/record-plans.js";

let testDb: TestDatabase;
let h: Harness;
let events: DeviceEventHandlers;
let templateId: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database);
  events = createDeviceEventHandlers(testDb.database.db);
  templateId = (await addTemplate(h, h.alice, "always")).TemplateId;
});
afterAll(async () => {
  await h?.app.close();
  await testDb?.drop();
});

interface Device {
  id: string;
  code: string;
  channels: string[];
}

let names = 0;
const unique = (prefix: string) => `${prefix}${++names}`;

async function addOrganization(key: IssuedKey = h.alice): Promise<string> {
  return (await h.call<{ Id: string }>(key, "POST", "/ivc/cms/organization/add", { Name: unique("org"), ParentId: "0" })).env.Data.Id;
}

/** A GB device in `organizationId` whose catalog reported `channelCount` channels. */
async function addDevice(organizationId: string, channelCount = 1, key: IssuedKey = h.alice): Promise<Device> {
  const body = { Name: unique("cam"), AccessProtocol: 2, Type: 2, Password: "12345678", OrganizationId: organizationId, ClusterId: testNode.id };
  const device = (await h.call<{ Id: string; Code: string }>(key, "POST", "/ivc/cms/device/add", body)).env.Data;
  const entries = Array.from({ length: channelCount }, (_, i) => ({ channelId: `340200000013100${String(i).padStart(5, "0")}`, name: `ch${i}`, online: true }));
  await events.catalog({ clusterId: testNode.id, deviceId: device.Code, channels: entries });
  const channels = (await h.call<Array<{ ChannelId: string }>>(key, "GET", `/ivc/cms/device/channel?DeviceId=${device.Id}`)).env.Data;
  return { id: device.Id, code: device.Code, channels: channels.map((c) => c.ChannelId) };
}

const refs = (device: Device) => device.channels.map((ChannelId) => ({ DeviceId: device.id, ChannelId }));
const LIFE = { Transition: 30, Expiration: 60 };

async function call<T = unknown>(method: string, path: string, body?: unknown, key: IssuedKey = h.alice) {
  const { res, env } = await h.call<T>(key, method, path, body);
  return { http: res.statusCode, code: env.StatusCode, data: env.Data };
}

async function addPlan(fields: Record<string, unknown>, key: IssuedKey = h.alice): Promise<string> {
  const added = await call<{ PlanId: string }>("POST", P.add, { PlanName: unique("plan"), TemplateId: templateId, LifeCycle: LIFE, ...fields }, key);
  if (added.code !== 200) throw new Error(`plan add: ${added.code} ${JSON.stringify(added.data)}`);
  return added.data.PlanId;
}

interface ChannelPage<T> {
  PageNumber: number;
  PageSize: number;
  TotalCount: number;
  List: T[];
}
interface PlanChannel {
  DeviceId: string;
  DeviceName: string;
  ChannelId: string;
  ChannelName: string;
  OrganizationName: string;
}

async function planChannelIds(planId: string, key: IssuedKey = h.alice): Promise<string[]> {
  const page = await call<ChannelPage<PlanChannel>>("GET", `${P.channels}?PlanId=${planId}&PageSize=1000&PageNumber=1`, undefined, key);
  return page.data.List.map((c) => c.ChannelId).sort();
}
const inPlanOf = async (organizationId: string) =>
  (await call<ChannelPage<{ ChannelId: string; InPlan: boolean }>>("GET", `${P.organizationChannels}?OrganizationId=${organizationId}&PageSize=100&PageNumber=1`)).data.List;
const allPlanned = async (key: IssuedKey = h.alice) => (await call<{ List: string[] }>("GET", P.allChannels, undefined, key)).data.List;

describe("live-to-cloud plans: add, read, modify, delete", () => {
  it("stores what add gets and answers it in detail and list", async () => {
    const org = await addOrganization();
    const device = await addDevice(org, 2);
    const added = await call<Record<string, unknown>>("POST", P.add, {
      PlanName: "门店录像",
      TemplateId: templateId,
      Describe: "一号店",
      StreamType: "main",
      LifeCycle: { Transition: 10, Expiration: 60 },
      Channels: refs(device),
      OrganizationId: [],
    });
    expect(added).toEqual({ http: 200, code: 200, data: { PlanId: expect.stringMatching(/^[0-9a-f]{32}$/), PlanName: "门店录像", TemplateId: templateId, Describe: "一号店" } });
    const planId = String(added.data["PlanId"]);
    const detail = { PlanId: planId, PlanName: "门店录像", TemplateId: templateId, Describe: "一号店", StreamType: "main", LifeCycle: { Transition: 10, Expiration: 60 }, Status: 1 };
    expect((await call("GET", `${P.query}?PlanId=${planId}`)).data).toEqual(detail);
    expect((await call<unknown[]>("GET", P.list)).data).toContainEqual(detail);
    expect(await planChannelIds(planId)).toEqual([...device.channels].sort());

    const other = await addTemplate(h, h.alice, unique("tpl"));
    const modified = await call("POST", P.modify, { PlanId: planId, Mod: { PlanName: "改名", TemplateId: other.TemplateId, Describe: "", StreamType: "sub", LifeCycle: { Transition: 1, Expiration: 0 } } });
    expect(modified).toEqual({ http: 200, code: 200, data: { PlanId: planId, PlanName: "改名", TemplateId: other.TemplateId, Describe: "" } });
    expect((await call("GET", `${P.query}?PlanId=${planId}`)).data).toEqual({ ...detail, PlanName: "改名", TemplateId: other.TemplateId, Describe: "", StreamType: "sub", LifeCycle: { Transition: 1, Expiration: 0 } });

    expect(await call("POST", P.delete, { PlanId: planId })).toEqual({ http: 200, code: 200, data: {} });
    expect((await call("GET", `${P.query}?PlanId=${planId}`)).code).toBe(40006);
    expect((await call("POST", P.delete, { PlanId: planId })).code).toBe(40006);
    expect((await call("POST", P.modify, { PlanId: planId, Mod: {} })).code).toBe(40006);
    expect(await allPlanned()).not.toContain(device.channels[0]);
  });

  it("defaults StreamType to default and allows a plan without channels", async () => {
    const planId = await addPlan({});
    expect((await call<{ StreamType: string }>("GET", `${P.query}?PlanId=${planId}`)).data.StreamType).toBe("default");
    expect(await planChannelIds(planId)).toEqual([]);
  });

  it("refuses each invalid field with its code and stores nothing", async () => {
    const org = await addOrganization();
    const device = await addDevice(org);
    const elsewhere = await addDevice(org);
    const base = { PlanName: unique("v"), TemplateId: templateId, LifeCycle: LIFE };
    const cases: Array<[Record<string, unknown>, number, number]> = [
      [{ PlanName: "" }, 41624, 200],
      [{ PlanName: "a b" }, 41624, 200],
      [{ PlanName: "x".repeat(33) }, 41624, 200],
      [{ Describe: "含 空格" }, 41625, 200],
      [{ Describe: "x".repeat(129) }, 41625, 200],
      [{ TemplateId: undefined }, 40001, 200],
      [{ TemplateId: "0123456789abcdef0123456789abcdef" }, 40006, 200],
      [{ LifeCycle: undefined }, 40001, 200],
      [{ LifeCycle: { Transition: 1 } }, 40001, 200],
      [{ LifeCycle: { Transition: 0, Expiration: 0 } }, 40005, 200],
      [{ LifeCycle: { Transition: 3651, Expiration: 0 } }, 40005, 200],
      [{ LifeCycle: { Transition: 1, Expiration: 59 } }, 40005, 200],
      [{ LifeCycle: { Transition: 1, Expiration: 3651 } }, 40005, 200],
      [{ LifeCycle: "1" }, 40005, 200],
      [{ StreamType: "" }, 40005, 200],
      [{ Channels: [{ DeviceId: "", ChannelId: "" }] }, 41638, 200],
      [{ Channels: [{ DeviceId: device.id, ChannelId: "x" }] }, 41639, 200],
      [{ Channels: [{ DeviceId: "00000000-0000-4000-8000-000000000000", ChannelId: device.channels[0] }] }, 43407, 400],
      [{ Channels: [{ DeviceId: elsewhere.id, ChannelId: device.channels[0] }] }, 42207, 200],
      [{ Channels: [{ DeviceId: device.id, ChannelId: "00000000-0000-4000-8000-000000000000" }] }, 42207, 200],
      [{ OrganizationId: ["999999999"] }, 40006, 200],
      [{ OrganizationId: ["x"] }, 40005, 200],
    ];
    for (const [fields, code, http] of cases) {
      const answer = await call("POST", P.add, { ...base, ...fields });
      expect({ http: answer.http, code: answer.code }, JSON.stringify(fields)).toEqual({ http, code });
    }
    expect((await call<Array<{ PlanName: string }>>("GET", P.list)).data.map((p) => p.PlanName)).not.toContain(base.PlanName);
    expect(await allPlanned()).not.toContain(device.channels[0]);
    // The lifecycle's edges are accepted.
    await addPlan({ LifeCycle: { Transition: 3650, Expiration: 3650 } });
    await addPlan({ LifeCycle: { Transition: 1, Expiration: 60 } });
  });

  it("refuses a duplicate plan name with 43411 on add and modify", async () => {
    await addPlan({ PlanName: "dup-1" });
    const second = await addPlan({ PlanName: "dup-2" });
    expect(await call("POST", P.add, { PlanName: "dup-1", TemplateId: templateId, LifeCycle: LIFE })).toMatchObject({ http: 400, code: 43411 });
    expect(await call("POST", P.modify, { PlanId: second, Mod: { PlanName: "dup-1" } })).toMatchObject({ http: 400, code: 43411 });
    expect((await call("POST", P.modify, { PlanId: second, Mod: { PlanName: "dup-2" } })).code).toBe(200);
  });

  it("modify refuses unknown templates, channels and lifecycles without changing the plan", async () => {
    const org = await addOrganization();
    const device = await addDevice(org, 2);
    const planId = await addPlan({ Channels: refs(device).slice(0, 1) });
    const before = (await call("GET", `${P.query}?PlanId=${planId}`)).data;
    const bad: Array<[Record<string, unknown>, number]> = [
      [{ TemplateId: "0123456789abcdef0123456789abcdef" }, 40006],
      [{ LifeCycle: { Transition: 1, Expiration: 1 } }, 40005],
      [{ Add: [{ DeviceId: device.id, ChannelId: "00000000-0000-4000-8000-000000000000" }] }, 42207],
      [{ Del: ["00000000-0000-4000-8000-000000000000"] }, 42207],
      [{ PlanName: "x y", Add: refs(device) }, 41624],
      [{ Describe: "ok", Add: refs(device), OrganizationId: ["999999999"] }, 40006],
      // Del is applied first; the refusal that follows undoes it.
      [{ Del: [device.channels[0]], Add: [{ DeviceId: device.id, ChannelId: "00000000-0000-4000-8000-000000000000" }] }, 42207],
      [{ Del: [device.channels[0]], OrganizationId: ["999999999"] }, 40006],
    ];
    for (const [mod, code] of bad) expect((await call("POST", P.modify, { PlanId: planId, Mod: mod })).code, JSON.stringify(mod)).toBe(code);
    expect((await call("POST", P.modify, { PlanId: planId })).code).toBe(40001);
    expect((await call("GET", `${P.query}?PlanId=${planId}`)).data).toEqual(before);
    expect(await planChannelIds(planId)).toEqual([device.channels[0]]);
  });
});

describe("channels of plans", () => {
  it("puts a channel in one plan only (42205), by id or by organization", async () => {
    const org = await addOrganization();
    const device = await addDevice(org, 2);
    const first = await addPlan({ Channels: refs(device).slice(0, 1) });
    expect((await call("POST", P.add, { PlanName: unique("p"), TemplateId: templateId, LifeCycle: LIFE, Channels: refs(device).slice(0, 1) })).code).toBe(42205);
    const second = await addPlan({});
    expect((await call("POST", P.modify, { PlanId: second, Mod: { Add: refs(device) } })).code).toBe(42205);
    // The same channel again in its own plan is no conflict.
    expect((await call("POST", P.modify, { PlanId: first, Mod: { Add: refs(device).slice(0, 1) } })).code).toBe(200);
    // An organization in one plan cannot join another.
    const byOrg = await addPlan({ OrganizationId: [org] });
    expect((await call("POST", P.modify, { PlanId: second, Mod: { OrganizationId: [org] } })).code).toBe(42205);
    // The channel added by id stays in its plan; the organization's other channel is in the organization's plan.
    expect(await planChannelIds(first)).toEqual([device.channels[0]]);
    expect(await planChannelIds(byOrg)).toEqual([device.channels[1]]);
    const planned = await allPlanned();
    expect(planned.filter((id) => device.channels.includes(id)).sort()).toEqual([...device.channels].sort());
    expect(new Set(planned).size).toBe(planned.length);
    // Leaving its plan does not move it into the organization's plan: it is in none.
    expect((await call("POST", P.modify, { PlanId: first, Mod: { Del: [device.channels[0]] } })).code).toBe(200);
    expect(await planChannelIds(first)).toEqual([]);
    expect(await planChannelIds(byOrg)).toEqual([device.channels[1]]);
    expect((await inPlanOf(org)).map((c) => c.InPlan)).toEqual([false, true]);
  });

  it("evaluates organization membership: later channels join, moved devices leave, Del takes one out", async () => {
    const org = await addOrganization();
    const early = await addDevice(org, 2);
    const planId = await addPlan({ OrganizationId: [org] });
    expect(await planChannelIds(planId)).toEqual([...early.channels].sort());

    const later = await addDevice(org, 1);
    expect(await planChannelIds(planId)).toEqual([...early.channels, ...later.channels].sort());
    expect(await allPlanned()).toContain(later.channels[0]);
    expect((await inPlanOf(org)).every((c) => c.InPlan)).toBe(true);
    expect((await call("POST", P.count, { OrganizationId: [org] })).data).toEqual({ TotalCount: 3, NotInPlanCount: 0 });
    // It is in a plan, so no other plan may add it.
    expect((await call("POST", P.add, { PlanName: unique("p"), TemplateId: templateId, LifeCycle: LIFE, Channels: refs(later) })).code).toBe(42205);

    // Del of a channel that is in by organization keeps it out, and frees it for another plan.
    const removed = early.channels[0] ?? "";
    expect((await call("POST", P.modify, { PlanId: planId, Mod: { Del: [removed] } })).code).toBe(200);
    expect(await planChannelIds(planId)).not.toContain(removed);
    expect((await inPlanOf(org)).find((c) => c.ChannelId === removed)?.InPlan).toBe(false);
    expect((await call("POST", P.count, { OrganizationId: [org] })).data).toEqual({ TotalCount: 3, NotInPlanCount: 1 });
    const other = await addPlan({ Channels: [{ DeviceId: early.id, ChannelId: removed }] });
    expect(await planChannelIds(other)).toEqual([removed]);
    expect(await planChannelIds(planId)).not.toContain(removed);

    // A device moved to another organization leaves with its channels.
    const elsewhere = await addOrganization();
    expect((await call("PUT", "/ivc/cms/device/updateorg", { Ids: [later.id], OrganizationId: elsewhere })).code).toBe(200);
    expect(await planChannelIds(planId)).toEqual([early.channels[1]]);
    // Del then Add of the same channel in one call leaves it in the plan.
    const kept = early.channels[1] ?? "";
    expect((await call("POST", P.modify, { PlanId: planId, Mod: { Del: [kept], Add: [{ DeviceId: early.id, ChannelId: kept }] } })).code).toBe(200);
    expect(await planChannelIds(planId)).toEqual([kept]);
  });

  it("Mod.Del takes out channels added by id, ignores ids not in the plan, and delete frees them all", async () => {
    const org = await addOrganization();
    const device = await addDevice(org, 3);
    const [a = "", b = "", c = ""] = device.channels;
    const planId = await addPlan({ Channels: refs(device).slice(0, 2) });
    expect((await call("POST", P.modify, { PlanId: planId, Mod: { Del: [a, c], Add: [{ DeviceId: device.id, ChannelId: c }] } })).code).toBe(200);
    expect(await planChannelIds(planId)).toEqual([b, c].sort());
    expect((await call("POST", P.delete, { PlanId: planId })).code).toBe(200);
    expect((await inPlanOf(org)).map((x) => x.InPlan)).toEqual([false, false, false]);
  });

  it(`adds up to 5000 channels in one call, the organizations' included (40005 beyond)`, async () => {
    const org = await addOrganization();
    const big = await addDevice(org, 5000);
    const extra = await addDevice(await addOrganization(), 1);
    const tooMany = await call("POST", P.add, { PlanName: unique("big"), TemplateId: templateId, LifeCycle: LIFE, OrganizationId: [org], Channels: refs(extra) });
    expect(tooMany.code).toBe(40005);
    expect(String(tooMany.data)).toMatch(/5001/);
    expect((await call("POST", P.add, { PlanName: unique("big"), TemplateId: templateId, LifeCycle: LIFE, Channels: [...refs(big), ...refs(extra)] })).code).toBe(40005);
    const planId = await addPlan({ OrganizationId: [org] });
    const page = await call<ChannelPage<PlanChannel>>("GET", `${P.channels}?PlanId=${planId}&PageSize=10&PageNumber=500`);
    expect(page.data).toMatchObject({ PageNumber: 500, PageSize: 10, TotalCount: 5000 });
    expect(page.data.List).toHaveLength(10);
    const explicit = await addPlan({ Channels: refs(extra) });
    expect((await call("POST", P.modify, { PlanId: explicit, Mod: { Add: refs(big) } })).code).toBe(42205);
  }, 60_000);
});

describe("channel lists", () => {
  it("devicelist filters by the first non-empty of ChannelName, DeviceName, OrganizationName and pages", async () => {
    const org = await addOrganization();
    const device = await addDevice(org, 3);
    const planId = await addPlan({ OrganizationId: [org] });
    const list = (query: string) => call<ChannelPage<PlanChannel>>("GET", `${P.channels}?PlanId=${planId}&${query}`);
    const all = await list("PageSize=2&PageNumber=1");
    expect(all.data).toMatchObject({ PageNumber: 1, PageSize: 2, TotalCount: 3 });
    expect(all.data.List[0]).toEqual({ DeviceId: device.id, DeviceName: expect.stringMatching(/^cam/), ChannelId: device.channels[0], ChannelName: "ch0", OrganizationName: expect.stringMatching(/^org/) });
    expect((await list("PageSize=2&PageNumber=2")).data.List).toHaveLength(1);
    expect((await list("PageSize=2&PageNumber=3")).data).toMatchObject({ TotalCount: 3, List: [] });
    expect((await list("ChannelName=h2&DeviceName=nomatch&PageSize=10&PageNumber=1")).data.List.map((c) => c.ChannelName)).toEqual(["ch2"]);
    expect((await list("ChannelName=&DeviceName=nomatch&PageSize=10&PageNumber=1")).data.TotalCount).toBe(0);
    expect((await list("OrganizationName=org&PageSize=10&PageNumber=1")).data.TotalCount).toBe(3);
    expect((await list("ChannelName=%25&PageSize=10&PageNumber=1")).data.TotalCount).toBe(0);
    expect((await list("PageSize=0&PageNumber=1")).code).toBe(43721);
    expect((await list("PageSize=1001&PageNumber=1")).code).toBe(43721);
    expect((await list("PageNumber=1")).code).toBe(43721);
    expect((await list("PageSize=10&PageNumber=0")).code).toBe(43720);
    expect((await call("GET", `${P.channels}?PlanId=0123456789abcdef0123456789abcdef&PageSize=1&PageNumber=1`)).code).toBe(40006);
  });

  it("channellist lists an organization's channels with InPlan; 40006 for an unknown organization", async () => {
    const org = await addOrganization();
    const device = await addDevice(org, 2);
    await addPlan({ Channels: refs(device).slice(0, 1) });
    const page = await call<ChannelPage<Record<string, unknown>>>("GET", `${P.organizationChannels}?OrganizationId=${org}&PageSize=10&PageNumber=1`);
    expect(page.data).toEqual({
      PageNumber: 1,
      PageSize: 10,
      TotalCount: 2,
      List: [
        { DeviceId: device.id, DeviceName: expect.any(String), ChannelId: device.channels[0], ChannelName: "ch0", InPlan: true },
        { DeviceId: device.id, DeviceName: expect.any(String), ChannelId: device.channels[1], ChannelName: "ch1", InPlan: false },
      ],
    });
    const filtered = await call<ChannelPage<{ ChannelName: string }>>("GET", `${P.organizationChannels}?OrganizationId=${org}&ChannelName=ch1&DeviceName=zzz&PageSize=10&PageNumber=1`);
    expect(filtered.data.List.map((c) => c.ChannelName)).toEqual(["ch1"]);
    expect((await call("GET", `${P.organizationChannels}?OrganizationId=999999999&PageSize=10&PageNumber=1`)).code).toBe(40006);
    expect((await call("GET", `${P.organizationChannels}?OrganizationId=${org}&PageSize=10`)).code).toBe(43720);
  });

  it("channelcount counts up to 10 organizations (43406 beyond) and refuses unknown ones", async () => {
    const orgs = await Promise.all(Array.from({ length: 11 }, () => addOrganization()));
    const device = await addDevice(orgs[0] ?? "", 2);
    await addDevice(orgs[1] ?? "", 1);
    await addPlan({ Channels: refs(device).slice(0, 1) });
    expect((await call("POST", P.count, { OrganizationId: orgs.slice(0, 10) })).data).toEqual({ TotalCount: 3, NotInPlanCount: 2 });
    expect(await call("POST", P.count, { OrganizationId: orgs })).toMatchObject({ http: 400, code: 43406 });
    expect((await call("POST", P.count, { OrganizationId: [] })).code).toBe(40005);
    expect((await call("POST", P.count, {})).code).toBe(40001);
    expect((await call("POST", P.count, { OrganizationId: ["999999999"] })).code).toBe(40006);
  });
});

describe("accounts are isolated", () => {
  it("another account neither sees nor touches a plan, its channels or its organizations", async () => {
    const org = await addOrganization();
    const device = await addDevice(org, 1);
    const planId = await addPlan({ PlanName: "same-name", Channels: refs(device) });
    const bobTemplate = (await addTemplate(h, h.bob, "bob-tpl")).TemplateId;
    const bob = (method: string, path: string, body?: unknown) => call(method, path, body, h.bob);
    expect((await bob("GET", `${P.query}?PlanId=${planId}`)).code).toBe(40006);
    expect((await bob("POST", P.modify, { PlanId: planId, Mod: { PlanName: "taken" } })).code).toBe(40006);
    expect((await bob("POST", P.delete, { PlanId: planId })).code).toBe(40006);
    expect((await bob("GET", `${P.channels}?PlanId=${planId}&PageSize=10&PageNumber=1`)).code).toBe(40006);
    expect((await bob("GET", `${P.organizationChannels}?OrganizationId=${org}&PageSize=10&PageNumber=1`)).code).toBe(40006);
    expect((await bob("POST", P.count, { OrganizationId: [org] })).code).toBe(40006);
    expect((await bob("GET", P.list)).data).toEqual([]);
    expect(await allPlanned(h.bob)).toEqual([]);
    const add = { PlanName: "same-name", TemplateId: bobTemplate, LifeCycle: LIFE };
    expect((await bob("POST", P.add, { ...add, Channels: refs(device) })).code).toBe(43407);
    expect((await bob("POST", P.add, { ...add, OrganizationId: [org] })).code).toBe(40006);
    expect((await bob("POST", P.add, { ...add, TemplateId: templateId })).code).toBe(40006);
    // Names are per account, and bob's root organization is his own.
    const bobsPlan = (await bob("POST", P.add, { ...add, OrganizationId: ["0"] })) as { code: number; data: { PlanId: string } };
    expect(bobsPlan.code).toBe(200);
    expect(await planChannelIds(bobsPlan.data.PlanId, h.bob)).toEqual([]);
    expect((await call("GET", `${P.query}?PlanId=${planId}`)).data).toMatchObject({ PlanName: "same-name" });
    expect(await planChannelIds(planId)).toEqual(device.channels);
  });
});
