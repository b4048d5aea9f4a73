import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_ORGANIZATION_LEVEL } from "../src/store/organizations.js";
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

interface Org {
  Id: string;
  Name: string;
  ParentId: string;
  Level: number;
  Total?: number;
  Online?: number;
}

async function add(name: string, parentId: string) {
  return h.call<Org>(h.alice, "POST", "/ivc/cms/organization/add", { Name: name, ParentId: parentId });
}

describe("organization add", () => {
  it("puts a child of the root at level 1 and its child at level 2", async () => {
    const top = await add("总部", "0");
    expect(top.env.Data).toEqual({ Id: expect.stringMatching(/^\d+$/), Name: "总部", ParentId: "0", Level: 1 });
    const child = await add("hik-1_a", top.env.Data.Id);
    expect(child.env.Data).toMatchObject({ ParentId: top.env.Data.Id, Level: 2 });
  });

  it("refuses a duplicate name under the same parent with 41613 and allows it under another", async () => {
    const a = await add("dup", "0");
    expect(a.env.StatusCode).toBe(200);
    const again = await add("dup", "0");
    expect(again.env).toMatchObject({ Code: 500, StatusCode: 41613, Message: "组织名称不能重复" });
    const elsewhere = await add("dup", a.env.Data.Id);
    expect(elsewhere.env.StatusCode).toBe(200);
  });

  it(`refuses a level deeper than ${MAX_ORGANIZATION_LEVEL} with 41603`, async () => {
    let parent = "0";
    for (let level = 1; level <= MAX_ORGANIZATION_LEVEL; level++) {
      const r = await add(`deep${level}`, parent);
      expect(r.env.Data.Level).toBe(level);
      parent = r.env.Data.Id;
    }
    const tooDeep = await add("deepest", parent);
    expect(tooDeep.env).toMatchObject({ StatusCode: 41603, Message: "新增组织树失败，达到组织树的最大深度" });
  });

  it("refuses an unknown parent with 40006", async () => {
    expect((await add("orphan", "999999")).env.StatusCode).toBe(40006);
  });

  it.each([
    ["an empty name", "", 41624],
    ["a name longer than 16 characters", "一二三四五六七八九十一二三四五六七", 41624],
    ["a name with a space", "a b", 41624],
    ["a name with a slash", "a/b", 41624],
  ])("refuses %s with %s naming the field", async (_what, name, code) => {
    const { env } = await add(name, "0");
    expect(env.StatusCode).toBe(code);
    expect(env.Data).toMatch(/^Name /);
  });

  it("accepts a 16-character Chinese name", async () => {
    expect((await add("一二三四五六七八九十一二三四五六", "0")).env.StatusCode).toBe(200);
  });

  it("refuses a missing ParentId with 40001 naming it", async () => {
    const { env } = await h.call(h.alice, "POST", "/ivc/cms/organization/add", { Name: "x" });
    expect(env).toMatchObject({ StatusCode: 40001, Data: "ParentId is required" });
  });
});

describe("organization update", () => {
  it("renames and answers the organization", async () => {
    const org = await add("before", "0");
    const { env } = await h.call<Org>(h.alice, "PUT", "/ivc/cms/organization/update", { Id: org.env.Data.Id, Name: "after" });
    expect(env.Data).toEqual({ ...org.env.Data, Name: "after" });
  });

  it("refuses a rename onto a sibling's name with 41613", async () => {
    await add("sib1", "0");
    const two = await add("sib2", "0");
    const { env } = await h.call(h.alice, "PUT", "/ivc/cms/organization/update", { Id: two.env.Data.Id, Name: "sib1" });
    expect(env.StatusCode).toBe(41613);
  });

  it("refuses an unknown Id with 40006", async () => {
    const { env } = await h.call(h.alice, "PUT", "/ivc/cms/organization/update", { Id: "987654", Name: "x" });
    expect(env.StatusCode).toBe(40006);
  });
});

describe("organization delete", () => {
  it("refuses an organization with children (41607), then deletes bottom-up", async () => {
    const parent = await add("del-parent", "0");
    const child = await add("del-child", parent.env.Data.Id);
    const refused = await h.call(h.alice, "DELETE", `/ivc/cms/organization/delete?Id=${parent.env.Data.Id}`);
    expect(refused.env).toMatchObject({ StatusCode: 41607, Message: "组织下有挂靠的组织，不允许删除" });
    expect((await h.call(h.alice, "DELETE", `/ivc/cms/organization/delete?Id=${child.env.Data.Id}`)).env).toMatchObject({
      StatusCode: 200,
      Data: null,
    });
    expect((await h.call(h.alice, "DELETE", `/ivc/cms/organization/delete?Id=${parent.env.Data.Id}`)).env.StatusCode).toBe(200);
  });

  it("refuses an organization that holds devices (41608)", async () => {
    const org = await add("has-devices", "0");
    await h.call(h.alice, "POST", "/ivc/cms/device/add", {
      Name: "cam",
      AccessProtocol: 2,
      Type: 1,
      OrganizationId: org.env.Data.Id,
      ClusterId: testNode.id,
    });
    const { env } = await h.call(h.alice, "DELETE", `/ivc/cms/organization/delete?Id=${org.env.Data.Id}`);
    expect(env.StatusCode).toBe(41608);
  });

  it("refuses an unknown Id with 40006", async () => {
    expect((await h.call(h.alice, "DELETE", "/ivc/cms/organization/delete?Id=123456")).env.StatusCode).toBe(40006);
  });
});

describe("organization query", () => {
  it("lists the tree flat with Total and Online counting devices of sub-organizations", async () => {
    const top = await add("count-top", "0");
    const sub = await add("count-sub", top.env.Data.Id);
    for (const org of [top.env.Data.Id, sub.env.Data.Id, sub.env.Data.Id]) {
      await h.call(h.alice, "POST", "/ivc/cms/device/add", { Name: "c", AccessProtocol: 2, Type: 1, OrganizationId: org, ClusterId: testNode.id });
    }
    const { env } = await h.call<Org[]>(h.alice, "GET", "/ivc/cms/organization/query");
    const byName = new Map(env.Data.map((o) => [o.Name, o]));
    expect(byName.get("count-top")).toMatchObject({ Id: top.env.Data.Id, ParentId: "0", Level: 1, Total: 3, Online: 0 });
    expect(byName.get("count-sub")).toMatchObject({ ParentId: top.env.Data.Id, Level: 2, Total: 2, Online: 0 });
    for (const org of env.Data) expect(typeof org.Id).toBe("string");
  });
});
