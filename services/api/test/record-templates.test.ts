import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness } from "./support/harness.js";
import type { Harness } from "./support/harness.js";
import { createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";
import { addTemplate, TEMPLATE_PATHS as P } from "./support/record-plans.js";
import type { Template } from "./support/record-plans.js";

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

const SECTIONS = [
  { DayOfWeek: 1, StartTime: "08:00:00", EndTime: "12:00:00" },
  { DayOfWeek: 1, StartTime: "20:30:00", EndTime: "23:40:00" },
  { DayOfWeek: 7, StartTime: "00:00:00", EndTime: "23:59:59" },
];

const statusOf = async (path: string, body: unknown) => {
  const { res, env } = await h.call(h.alice, "POST", path, body);
  return { http: res.statusCode, code: env.StatusCode, detail: env.Data };
};

describe("live-to-cloud templates", () => {
  it("adds, reads, lists, modifies and deletes a template", async () => {
    const added = await addTemplate(h, h.alice, "工作日", SECTIONS);
    expect(added).toEqual({ TemplateId: expect.stringMatching(/^[0-9a-f]{32}$/), TemplateName: "工作日", TimeSections: SECTIONS });
    const read = await h.call<Template>(h.alice, "GET", `${P.query}?TemplateId=${added.TemplateId}`);
    expect(read.env.Data).toEqual(added);
    const listed = await h.call<Template[]>(h.alice, "GET", P.list);
    expect(listed.env.Data).toContainEqual(added);

    const sections = [{ DayOfWeek: 2, StartTime: "01:00:00", EndTime: "01:10:00" }];
    const modified = await h.call<Template>(h.alice, "POST", P.modify, { TemplateId: added.TemplateId, Mod: { TimeSections: sections } });
    expect(modified.env).toMatchObject({ StatusCode: 200, Data: { TemplateId: added.TemplateId, TemplateName: "工作日", TimeSections: sections } });
    const renamed = await h.call<Template>(h.alice, "POST", P.modify, { TemplateId: added.TemplateId, Mod: { TemplateName: "周二" } });
    expect(renamed.env.Data).toEqual({ TemplateId: added.TemplateId, TemplateName: "周二", TimeSections: sections });

    const deleted = await h.call(h.alice, "POST", P.delete, { TemplateId: added.TemplateId });
    expect(deleted.env).toMatchObject({ StatusCode: 200, Data: {} });
    const gone = await h.call(h.alice, "GET", `${P.query}?TemplateId=${added.TemplateId}`);
    expect(gone.env.StatusCode).toBe(40006);
    expect((await statusOf(P.delete, { TemplateId: added.TemplateId })).code).toBe(40006);
  });

  it("refuses bad sections with 43402–43405, on add and on modify, storing nothing", async () => {
    const cases: Array<[unknown, number]> = [
      [{ DayOfWeek: 0, StartTime: "08:00:00", EndTime: "09:00:00" }, 43402],
      [{ DayOfWeek: 8, StartTime: "08:00:00", EndTime: "09:00:00" }, 43402],
      [{ DayOfWeek: 1, StartTime: "24:00:00", EndTime: "23:59:59" }, 43403],
      [{ DayOfWeek: 1, StartTime: "8:00:00", EndTime: "09:00:00" }, 43403],
      [{ DayOfWeek: 1, StartTime: "08:00:00", EndTime: "23:400:00" }, 43403],
      [{ DayOfWeek: 1, StartTime: "23:00:00", EndTime: "01:00:00" }, 43404],
      [{ DayOfWeek: 1, StartTime: "08:00:00", EndTime: "08:09:59" }, 43405],
    ];
    const kept = await addTemplate(h, h.alice, "kept", SECTIONS);
    for (const [bad, code] of cases) {
      const add = await statusOf(P.add, { TemplateName: "bad", TimeSections: [SECTIONS[0], bad] });
      expect(add, JSON.stringify(bad)).toMatchObject({ http: 400, code, detail: expect.stringMatching(/TimeSections\[1\]/) });
      const mod = await statusOf(P.modify, { TemplateId: kept.TemplateId, Mod: { TimeSections: [bad] } });
      expect(mod, JSON.stringify(bad)).toMatchObject({ http: 400, code, detail: expect.stringMatching(/Mod\.TimeSections\[0\]/) });
    }
    const names = (await h.call<Template[]>(h.alice, "GET", P.list)).env.Data.map((t) => t.TemplateName);
    expect(names).not.toContain("bad");
    expect((await h.call<Template>(h.alice, "GET", `${P.query}?TemplateId=${kept.TemplateId}`)).env.Data.TimeSections).toEqual(SECTIONS);
  });

  it("accepts a section of exactly 10 minutes and one ending 23:59:59 on Sunday", async () => {
    const t = await addTemplate(h, h.alice, "edges", [
      { DayOfWeek: 3, StartTime: "10:00:00", EndTime: "10:10:00" },
      { DayOfWeek: 7, StartTime: "23:50:00", EndTime: "23:59:59" },
    ]);
    expect(t.TimeSections).toHaveLength(2);
  });

  it("refuses a duplicate name with 43410 on add and modify, and bad names with 41624", async () => {
    const a = await addTemplate(h, h.alice, "dup-a", SECTIONS);
    await addTemplate(h, h.alice, "dup-b", SECTIONS);
    expect(await statusOf(P.add, { TemplateName: "dup-a", TimeSections: SECTIONS })).toMatchObject({ http: 400, code: 43410 });
    expect(await statusOf(P.modify, { TemplateId: a.TemplateId, Mod: { TemplateName: "dup-b" } })).toMatchObject({ http: 400, code: 43410 });
    expect((await statusOf(P.add, { TemplateName: "", TimeSections: SECTIONS })).code).toBe(41624);
    expect((await statusOf(P.add, { TemplateName: "a b", TimeSections: SECTIONS })).code).toBe(41624);
    expect((await statusOf(P.add, { TemplateName: "x".repeat(33), TimeSections: SECTIONS })).code).toBe(41624);
    expect((await statusOf(P.add, { TimeSections: SECTIONS })).code).toBe(41624);
    expect((await statusOf(P.add, { TemplateName: "no-sections" })).code).toBe(40001);
    expect((await statusOf(P.add, { TemplateName: "obj", TimeSections: {} })).code).toBe(40005);
    expect((await statusOf(P.modify, { TemplateId: a.TemplateId })).code).toBe(40001);
    expect((await statusOf(P.modify, { TemplateId: "0123456789abcdef0123456789abcdef", Mod: { TemplateName: "x" } })).code).toBe(40006);
    // Renaming to its own name is no duplicate.
    expect((await statusOf(P.modify, { TemplateId: a.TemplateId, Mod: { TemplateName: "dup-a" } })).code).toBe(200);
  });

  it("refuses deleting a template a plan uses with 43409", async () => {
    const t = await addTemplate(h, h.alice, "in-use", SECTIONS);
    const plan = await h.call<{ PlanId: string }>(h.alice, "POST", "/ivc/record/plan/add", { PlanName: "uses", TemplateId: t.TemplateId, LifeCycle: { Transition: 1, Expiration: 0 } });
    expect(plan.env.StatusCode).toBe(200);
    expect(await statusOf(P.delete, { TemplateId: t.TemplateId })).toMatchObject({ http: 400, code: 43409 });
    await h.call(h.alice, "POST", "/ivc/record/plan/delete", { PlanId: plan.env.Data.PlanId });
    expect((await statusOf(P.delete, { TemplateId: t.TemplateId })).code).toBe(200);
  });

  it("keeps accounts apart: another account's template is unknown (40006) and its name is free", async () => {
    const mine = await addTemplate(h, h.alice, "shared-name", SECTIONS);
    const theirs = await addTemplate(h, h.bob, "shared-name", SECTIONS);
    expect(theirs.TemplateId).not.toBe(mine.TemplateId);
    expect((await h.call(h.bob, "GET", `${P.query}?TemplateId=${mine.TemplateId}`)).env.StatusCode).toBe(40006);
    expect((await h.call(h.bob, "POST", P.modify, { TemplateId: mine.TemplateId, Mod: { TemplateName: "stolen" } })).env.StatusCode).toBe(40006);
    expect((await h.call(h.bob, "POST", P.delete, { TemplateId: mine.TemplateId })).env.StatusCode).toBe(40006);
    const bobs = (await h.call<Template[]>(h.bob, "GET", P.list)).env.Data.map((t) => t.TemplateId);
    expect(bobs).toEqual([theirs.TemplateId]);
    const plan = await h.call(h.bob, "POST", "/ivc/record/plan/add", { PlanName: "p", TemplateId: mine.TemplateId, LifeCycle: { Transition: 1, Expiration: 0 } });
    expect(plan.env.StatusCode).toBe(40006);
    expect((await h.call<Template>(h.alice, "GET", `${P.query}?TemplateId=${mine.TemplateId}`)).env.Data.TemplateName).toBe("shared-name");
  });
});
