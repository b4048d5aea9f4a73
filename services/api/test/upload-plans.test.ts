import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssuedKey } from "../src/accounts/keys.js";
import { createDeviceEventHandlers } from "../src/bus/device-events.js";
import type { DeviceEventHandlers } from "../src/bus/device-events.js";
import { createHarness, testNode } from "./support/harness.js";
import type { Harness } from "./support/harness.js";
import { createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";
import { addTemplate, addUploadTemplate, ALL_WEEK, PLAN_PATHS, UPLOAD_PLAN_PATHS as P, UPLOAD_TEMPLATE_PATHS as T } from "./support/record-plans.js";
import type { Section } from "./support/record-plans.js";

// Recording-upload templates (spec 03 §4) and plans (§2) through the signed HTTP API on a migrated
// database: every code, the 43408 edges, one upload plan per channel beside live plans, isolation.

let testDb: TestDatabase;
let h: Harness;
let events: DeviceEventHandlers;

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database);
  events = createDeviceEventHandlers(testDb.database.db);
});
afterAll(async () => {
  await h?.app.close();
  await testDb?.drop();
});

let names = 0;
const unique = (prefix: string) => `${prefix}${++names}`;

async function call<T = unknown>(method: string, path: string, body?: unknown, key: IssuedKey = h.alice) {
  const { res, env } = await h.call<T>(key, method, path, body);
  return { http: res.statusCode, code: env.StatusCode, data: env.Data };
}

const section = (DayOfWeek: number, StartTime: string, EndTime: string): Section => ({ DayOfWeek, StartTime, EndTime });
/** Upload 02:00–04:00 every day, pulling yesterday's 08:00–16:00 at 4×: exactly enough. */
const NIGHTS = [1, 2, 3, 4, 5, 6, 7].map((d) => section(d, "02:00:00", "04:00:00"));
const SHOP_HOURS = [1, 2, 3, 4, 5, 6, 7].map((d) => section(d, "08:00:00", "16:00:00"));

async function addOrganization(key: IssuedKey = h.alice): Promise<string> {
  return (await h.call<{ Id: string }>(key, "POST", "/ivc/cms/organization/add", { Name: unique("org"), ParentId: "0" })).env.Data.Id;
}

async function addDevice(organizationId: string, channelCount = 1, key: IssuedKey = h.alice) {
  const body = { Name: unique("nvr"), AccessProtocol: 2, Type: 2, Password: "12345678", OrganizationId: organizationId, ClusterId: testNode.id };
  const device = (await h.call<{ Id: string; Code: string }>(key, "POST", "/ivc/cms/device/add", body)).env.Data;
  const entries = Array.from({ length: channelCount }, (_, i) => ({ channelId: `340200000013100${String(i).padStart(5, "0")}`, name: `ch${i}`, online: true }));
  await events.catalog({ clusterId: testNode.id, deviceId: device.Code, channels: entries });
  const channels = (await h.call<Array<{ ChannelId: string }>>(key, "GET", `/ivc/cms/device/channel?DeviceId=${device.Id}`)).env.Data;
  return { id: device.Id, channels: channels.map((c) => c.ChannelId) };
}

describe("recording-upload templates", () => {
  it("prints CreateAt and UpdateAt on the site clock RECORD_TIME_ZONE sets, not a fixed UTC+8", async () => {
    const eastern = await createHarness(testDb.database, { siteUtcOffsetMinutes: -5 * 60 });
    try {
      const before = Date.now();
      const { env } = await eastern.call<{ CreateAt: string; UpdateAt: string }>(eastern.alice, "POST", T.add, { TemplateName: unique("utc-5"), TimeSections: NIGHTS, DevTimeSections: SHOP_HOURS, Scale: 4 });
      // "YYYY-MM-DD HH:MM:SS" read as UTC, plus five hours, is the real instant of creation.
      const printedAsUtc = (text: string) => Date.parse(`${text.replace(" ", "T")}Z`) + 5 * 3600_000;
      expect(env.StatusCode).toBe(200);
      for (const printed of [env.Data.CreateAt, env.Data.UpdateAt]) {
        expect(printedAsUtc(printed)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
        expect(printedAsUtc(printed)).toBeLessThanOrEqual(Date.now() + 1000);
      }
    } finally {
      await eastern.app.close();
    }
  });

  it("stores, answers, modifies and deletes a template (spec 03 §4.1–4.5)", async () => {
    const added = await call<Record<string, unknown>>("POST", T.add, { TemplateName: "夜间上云", TimeSections: NIGHTS, DevTimeSections: SHOP_HOURS, Scale: 4 });
    expect(added).toEqual({
      http: 200,
      code: 200,
      data: {
        TemplateId: expect.stringMatching(/^[0-9a-f]{32}$/),
        TemplateName: "夜间上云",
        TimeSections: NIGHTS,
        DevTimeSections: SHOP_HOURS,
        Scale: 4,
        CreateAt: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
        UpdateAt: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      },
    });
    const id = String(added.data["TemplateId"]);
    expect((await call("GET", `${T.query}?TemplateId=${id}`)).data).toEqual(added.data);
    expect((await call<unknown[]>("GET", T.list)).data).toContainEqual(added.data);
    // The live template list and query do not see it, nor the upload ones a live template.
    expect((await call<Array<{ TemplateId: string }>>("GET", "/ivc/record/templatelist/query")).data.map((t) => t.TemplateId)).not.toContain(id);
    expect((await call("GET", `/ivc/record/template/query?TemplateId=${id}`)).code).toBe(40006);
    const live = await addTemplate(h, h.alice, "夜间上云");
    expect((await call("GET", `${T.query}?TemplateId=${live.TemplateId}`)).code).toBe(40006);

    const mod = { TimeSections: [section(1, "00:00:00", "08:00:00")], DevTimeSections: [section(1, "00:00:00", "23:59:59")], Scale: 4 };
    const modified = await call<Record<string, unknown>>("POST", T.modify, { TemplateId: id, Mod: { TemplateName: "改名", ...mod } });
    expect(modified.code).toBe(200);
    expect(modified.data).toMatchObject({ TemplateId: id, TemplateName: "改名", ...mod });
    expect((await call("GET", `${T.query}?TemplateId=${id}`)).data).toMatchObject({ TemplateName: "改名", ...mod });
    // §4.3: the three schedule fields are required on modify.
    expect((await call("POST", T.modify, { TemplateId: id, Mod: { TemplateName: "x" } })).code).toBe(40001);
    // A missing field with a code of its own gets that code (docs/api-decisions.md, Validation).
    expect((await call("POST", T.modify, { TemplateId: id, Mod: { TimeSections: NIGHTS, DevTimeSections: SHOP_HOURS } })).code).toBe(43412);
    expect((await call("POST", T.modify, { TemplateId: "0123456789abcdef0123456789abcdef", Mod: mod })).code).toBe(40006);

    expect(await call("POST", T.delete, { TemplateId: id })).toEqual({ http: 200, code: 200, data: {} });
    expect((await call("POST", T.delete, { TemplateId: id })).code).toBe(40006);
  });

  it("refuses bad sections, speeds and names with 43402–43405, 43412, 43410, storing nothing", async () => {
    const existing = await addUploadTemplate(h, h.alice, unique("t"), NIGHTS, SHOP_HOURS, 4);
    const base = { TemplateName: unique("bad"), TimeSections: NIGHTS, DevTimeSections: SHOP_HOURS, Scale: 4 };
    const cases: Array<[Record<string, unknown>, number, number]> = [
      [{ DevTimeSections: [section(8, "08:00:00", "09:00:00")] }, 43402, 400],
      [{ DevTimeSections: [section(1, "23:400:00", "23:50:00")] }, 43403, 400],
      [{ TimeSections: [section(1, "24:00:00", "23:50:00")] }, 43403, 400],
      [{ DevTimeSections: [section(1, "10:00:00", "09:00:00")] }, 43404, 400],
      [{ DevTimeSections: [section(1, "10:00:00", "10:09:59")] }, 43405, 400],
      [{ Scale: 3 }, 43412, 400],
      [{ Scale: 8 }, 43412, 400],
      [{ Scale: "4" }, 40005, 200],
      [{ Scale: undefined }, 43412, 400],
      [{ DevTimeSections: undefined }, 40001, 200],
      [{ DevTimeSections: [] }, 40005, 200],
      [{ TemplateName: existing.TemplateName }, 43410, 400],
      [{ TemplateName: "" }, 41624, 200],
    ];
    for (const [fields, code, http] of cases) {
      const answer = await call("POST", T.add, { ...base, ...fields });
      expect({ fields, code: answer.code, http: answer.http }).toEqual({ fields, code, http });
    }
    expect((await call<Array<{ TemplateName: string }>>("GET", T.list)).data.map((t) => t.TemplateName)).not.toContain(base.TemplateName);
  });

  it("applies the 43408 rule per day: upload seconds × Scale ≥ the same day's recording seconds", async () => {
    const monday = (start: string, end: string) => [section(1, start, end)];
    const cases: Array<[Section[], Section[], number, number]> = [
      // exactly enough: 2 h × 4 = 8 h
      [monday("02:00:00", "04:00:00"), monday("08:00:00", "16:00:00"), 4, 200],
      // one second short
      [monday("02:00:00", "03:59:59"), monday("08:00:00", "16:00:00"), 4, 43408],
      // 23:59:59 is the end of the day: 24 h of recording at 2× needs 12 h
      [monday("00:00:00", "12:00:00"), monday("00:00:00", "23:59:59"), 2, 200],
      [monday("00:00:00", "11:59:59"), monday("00:00:00", "23:59:59"), 2, 43408],
      // overlapping upload sections count once: 01:00–02:00 twice is one hour, not two
      [[section(1, "01:00:00", "02:00:00"), section(1, "01:00:00", "02:00:00")], monday("08:00:00", "10:00:00"), 1, 43408],
      // sums per day: two short uploads cover two recordings
      [[section(1, "01:00:00", "01:30:00"), section(1, "03:00:00", "03:30:00")], [section(1, "08:00:00", "09:00:00")], 1, 200],
      // a recording day without an upload that day
      [monday("01:00:00", "05:00:00"), [section(2, "08:00:00", "09:00:00")], 4, 43408],
      // an upload day without a recording window is fine (nothing to pull)
      [[section(3, "01:00:00", "02:00:00")], monday("08:00:00", "08:10:00"), 1, 43408],
      [[section(3, "01:00:00", "02:00:00"), ...monday("01:00:00", "01:10:00")], monday("08:00:00", "08:10:00"), 1, 200],
    ];
    for (const [upload, recording, Scale, code] of cases) {
      const answer = await call("POST", T.add, { TemplateName: unique("r"), TimeSections: upload, DevTimeSections: recording, Scale });
      expect({ upload, recording, Scale, code: answer.code }).toEqual({ upload, recording, Scale, code });
    }
    // The spec's 4.1 example (identical windows, Scale 1) passes with same-day pairing.
    const example = [section(1, "08:00:00", "12:00:00"), section(1, "20:30:00", "23:40:00"), section(2, "12:10:00", "16:10:00"), section(7, "00:00:00", "23:59:59")];
    expect((await call("POST", T.add, { TemplateName: unique("example"), TimeSections: example, DevTimeSections: example, Scale: 1 })).code).toBe(200);
    // …and modify checks it too.
    const t = await addUploadTemplate(h, h.alice, unique("m"), NIGHTS, SHOP_HOURS, 4);
    expect((await call("POST", T.modify, { TemplateId: t.TemplateId, Mod: { TimeSections: NIGHTS, DevTimeSections: SHOP_HOURS, Scale: 2 } })).code).toBe(43408);
    expect((await call("GET", `${T.query}?TemplateId=${t.TemplateId}`)).data).toMatchObject({ Scale: 4 });
  });
});

describe("recording-upload plans", () => {
  it("adds, reads, modifies, lists channels and deletes a plan (spec 03 §2.1–2.6); a used template cannot be deleted (43409)", async () => {
    const template = await addUploadTemplate(h, h.alice, unique("t"), NIGHTS, SHOP_HOURS, 4);
    const org = await addOrganization();
    const nvr = await addDevice(org, 3);
    const added = await call<Record<string, unknown>>("POST", P.add, {
      PlanName: "门店备份",
      TemplateId: template.TemplateId,
      Describe: "",
      LifeCycle: { Transition: 1, Expiration: 60 },
      Channels: [{ DeviceId: nvr.id, ChannelId: nvr.channels[0] }],
      OrganizationId: [],
    });
    const LifeCycle = { Transition: 1, Expiration: 60 };
    expect(added).toEqual({ http: 200, code: 200, data: { PlanId: expect.stringMatching(/^[0-9a-f]{32}$/), PlanName: "门店备份", TemplateId: template.TemplateId, Describe: "", LifeCycle } });
    const planId = String(added.data["PlanId"]);
    const detail = { PlanId: planId, PlanName: "门店备份", TemplateId: template.TemplateId, Describe: "", LifeCycle, Status: 1 };
    expect((await call("GET", `${P.query}?PlanId=${planId}`)).data).toEqual(detail);
    expect((await call<unknown[]>("GET", P.list)).data).toContainEqual(detail);
    expect((await call("GET", `${PLAN_PATHS.query}?PlanId=${planId}`)).code).toBe(40006);

    expect((await call("POST", T.delete, { TemplateId: template.TemplateId })).code).toBe(43409);

    const modified = await call("POST", P.modify, { PlanId: planId, Mod: { PlanName: "改名", LifeCycle: { Transition: 7, Expiration: 0 }, Del: [nvr.channels[0]], OrganizationId: [org] } });
    expect(modified).toEqual({ http: 200, code: 200, data: { PlanId: planId, PlanName: "改名", TemplateId: template.TemplateId, Describe: "", LifeCycle: { Transition: 7, Expiration: 0 } } });
    const page = await call<{ TotalCount: number; List: Array<Record<string, unknown>> }>("GET", `${P.channels}?PlanId=${planId}&PageSize=10&PageNumber=1`);
    expect(page.code).toBe(200);
    // Del first, then the organization brings every channel back.
    expect(page.data.TotalCount).toBe(3);
    expect(page.data.List[0]).toMatchObject({ DeviceId: nvr.id, ChannelId: nvr.channels[0], PlanId: planId, UploadDay: "", Pieces: [] });
    const filtered = await call<{ TotalCount: number }>("GET", `${P.channels}?PlanId=${planId}&ChannelName=ch1&PageSize=10&PageNumber=1`);
    expect(filtered.data.TotalCount).toBe(1);

    expect(await call("POST", P.delete, { PlanId: planId })).toEqual({ http: 200, code: 200, data: {} });
    expect((await call("GET", `${P.query}?PlanId=${planId}`)).code).toBe(40006);
    expect((await call("POST", T.delete, { TemplateId: template.TemplateId })).code).toBe(200);
  });

  it("keeps one upload plan per channel (42205) while the same channel may also be in a live plan; refuses with the plan codes", async () => {
    const template = await addUploadTemplate(h, h.alice, unique("t"), NIGHTS, SHOP_HOURS, 4);
    const liveTemplate = await addTemplate(h, h.alice, unique("live"), ALL_WEEK);
    const org = await addOrganization();
    const nvr = await addDevice(org, 2);
    const ref = { DeviceId: nvr.id, ChannelId: nvr.channels[0] };
    const base = { TemplateId: template.TemplateId, LifeCycle: { Transition: 1, Expiration: 0 } };
    const first = await call<{ PlanId: string }>("POST", P.add, { ...base, PlanName: unique("p"), Channels: [ref] });
    expect(first.code).toBe(200);
    expect((await call("POST", PLAN_PATHS.add, { PlanName: unique("live"), TemplateId: liveTemplate.TemplateId, LifeCycle: { Transition: 1, Expiration: 0 }, Channels: [ref] })).code).toBe(200);
    const plans = await call<Array<{ PlanName: string }>>("GET", P.list);
    const name = plans.data[0]?.PlanName;
    const cases: Array<[Record<string, unknown>, number]> = [
      [{ Channels: [ref] }, 42205],
      [{ OrganizationId: [org], Channels: [] }, 200],
      [{ OrganizationId: [org] }, 42205],
      [{ PlanName: name }, 43411],
      [{ TemplateId: liveTemplate.TemplateId }, 40006],
      [{ Channels: [{ DeviceId: "7f7a3f2b-f150-45ae-821e-9b8906e7d8a9", ChannelId: nvr.channels[1] }] }, 43407],
      [{ LifeCycle: { Transition: 1, Expiration: 59 } }, 40005],
      [{ LifeCycle: undefined }, 40001],
      [{ StreamType: "main" }, 200],
    ];
    for (const [fields, code] of cases) {
      const answer = await call("POST", P.add, { ...base, PlanName: unique("p"), ...fields });
      expect({ fields, code: answer.code }).toEqual({ fields, code });
    }
    // StreamType is no upload-plan field: ignored, not stored.
    const detail = await call<Record<string, unknown>>("GET", `${P.query}?PlanId=${first.data.PlanId}`);
    expect(detail.data).not.toHaveProperty("StreamType");
  });

  it("lists the channels of all upload plans for an empty PlanId; another account sees none of them", async () => {
    const template = await addUploadTemplate(h, h.alice, unique("t"), NIGHTS, SHOP_HOURS, 4);
    const nvr = await addDevice(await addOrganization(), 2);
    const a = await call<{ PlanId: string }>("POST", P.add, { PlanName: unique("a"), TemplateId: template.TemplateId, LifeCycle: { Transition: 1, Expiration: 0 }, Channels: [{ DeviceId: nvr.id, ChannelId: nvr.channels[0] }] });
    const b = await call<{ PlanId: string }>("POST", P.add, { PlanName: unique("b"), TemplateId: template.TemplateId, LifeCycle: { Transition: 1, Expiration: 0 }, Channels: [{ DeviceId: nvr.id, ChannelId: nvr.channels[1] }] });
    const all = await call<{ List: Array<{ ChannelId: string; PlanId: string }> }>("GET", `${P.channels}?PlanId=&PageSize=100&PageNumber=1`);
    expect(all.code).toBe(200);
    expect(all.data.List).toEqual(expect.arrayContaining([expect.objectContaining({ ChannelId: nvr.channels[0], PlanId: a.data.PlanId }), expect.objectContaining({ ChannelId: nvr.channels[1], PlanId: b.data.PlanId })]));
    expect((await call("GET", `${P.channels}?PageSize=10&PageNumber=1`)).code).toBe(40001);

    const bob = h.bob;
    expect((await call<unknown[]>("GET", P.list, undefined, bob)).data).toEqual([]);
    expect((await call<unknown[]>("GET", T.list, undefined, bob)).data).toEqual([]);
    expect((await call("GET", `${P.query}?PlanId=${a.data.PlanId}`, undefined, bob)).code).toBe(40006);
    expect((await call("GET", `${T.query}?TemplateId=${template.TemplateId}`, undefined, bob)).code).toBe(40006);
    expect((await call("POST", P.delete, { PlanId: a.data.PlanId }, bob)).code).toBe(40006);
    expect((await call("POST", T.delete, { TemplateId: template.TemplateId }, bob)).code).toBe(40006);
    expect((await call("POST", P.add, { PlanName: unique("x"), TemplateId: template.TemplateId, LifeCycle: { Transition: 1, Expiration: 0 } }, bob)).code).toBe(40006);
    expect((await call<{ TotalCount: number }>("GET", `${P.channels}?PlanId=&PageSize=10&PageNumber=1`, undefined, bob)).data.TotalCount).toBe(0);
    expect((await call("GET", `${P.channels}?PlanId=${a.data.PlanId}&PageSize=10&PageNumber=1`, undefined, bob)).code).toBe(40006);
  });
});
