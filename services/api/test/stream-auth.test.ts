import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, STREAM_AUTH_OFF } from "./support/harness.js";
import type { Harness, StreamAuth } from "./support/harness.js";
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

const read = () => h.call<StreamAuth>(h.alice, "GET", "/ivc/cms/config/authstream");
const write = (body: Record<string, unknown>) => h.call<StreamAuth>(h.alice, "POST", "/ivc/cms/config/authstream", body);

describe("authstream query", () => {
  it("answers everything off, empty secrets and 0 minutes, with the same Id on every read", async () => {
    const first = await read();
    expect(first.env).toMatchObject({ Code: 0, StatusCode: 200 });
    expect(first.env.Data).toEqual({ Id: expect.stringMatching(/^[0-9a-f-]{36}$/), ...STREAM_AUTH_OFF });
    expect(Object.keys(first.env.Data)).not.toContain("PullStaE");
    expect((await read()).env.Data.Id).toBe(first.env.Data.Id);
  });
});

describe("authstream set", () => {
  it("stores both directions and answers the stored config; the next read returns it", async () => {
    const { Id } = (await read()).env.Data;
    const config = { Id, PushState: 1, PushSecret: "push01", PushExpired: 60, PullState: 1, PullSecret: "PULL2", PullExpired: 1 };
    const { env } = await write(config);
    expect(env).toMatchObject({ Code: 0, StatusCode: 200, Data: config });
    expect((await read()).env.Data).toEqual(config);
    expect((await write({ Id, ...STREAM_AUTH_OFF, PushSecret: "kept" })).env.Data).toEqual({ Id, ...STREAM_AUTH_OFF, PushSecret: "kept" });
  });

  it("refuses an Id other than the account's config Id with 40006, changing nothing", async () => {
    const before = (await read()).env.Data;
    const { env } = await write({ ...before, Id: "0022c12a-e220-42e0-975f-800f872fc89e", PushSecret: "changed" });
    expect(env).toMatchObject({ Code: 500, StatusCode: 40006 });
    expect(env.Data).toMatch(/Id/);
    expect((await read()).env.Data).toEqual(before);
  });

  it.each([
    ["a malformed Id", { Id: "xxxxx-xxxxx" }, 40005, "Id"],
    ["PushState 2", { PushState: 2 }, 40005, "PushState"],
    ["PullState as a string", { PullState: "1" }, 40005, "PullState"],
    ["an 11-character PushSecret", { PushSecret: "a".repeat(11) }, 40005, "PushSecret"],
    ["a PullSecret with symbols", { PullSecret: "abc-123" }, 40005, "PullSecret"],
    ["a non-ASCII PushSecret", { PushSecret: "密钥" }, 40005, "PushSecret"],
    ["PullExpired 61", { PullExpired: 61 }, 40005, "PullExpired"],
    ["a negative PushExpired", { PushExpired: -1 }, 40005, "PushExpired"],
    ["a fractional PullExpired", { PullExpired: 1.5 }, 40005, "PullExpired"],
    ["a missing PullSecret", { PullSecret: undefined }, 40001, "PullSecret"],
    ["PushState 1 with an empty PushSecret", { PushState: 1, PushSecret: "", PushExpired: 10 }, 40005, "PushSecret"],
    ["PullState 1 with an empty PullSecret", { PullState: 1, PullSecret: "", PullExpired: 10 }, 40005, "PullSecret"],
    ["PullState 1 with PullExpired 0", { PullState: 1, PullSecret: "abc", PullExpired: 0 }, 40005, "PullExpired"],
  ])("refuses %s with %s naming the field", async (_what, fields, code, field) => {
    const { Id } = (await read()).env.Data;
    const { env } = await write({ Id, ...STREAM_AUTH_OFF, ...fields });
    expect(env).toMatchObject({ Code: 500, StatusCode: code });
    expect(env.Data).toMatch(new RegExp(`^${field} `));
  });
});

describe("authstream across accounts", () => {
  it("gives each account its own config Id and settings", async () => {
    await h.setStreamAuth(h.alice, { PullState: 1, PullSecret: "alice", PullExpired: 5 });
    const bob = await h.call<StreamAuth>(h.bob, "GET", "/ivc/cms/config/authstream");
    const alice = (await read()).env.Data;
    expect(bob.env.Data).toEqual({ Id: expect.any(String), ...STREAM_AUTH_OFF });
    expect(bob.env.Data.Id).not.toBe(alice.Id);
  });

  it("refuses one account's config Id from another account with 40006", async () => {
    const alice = (await read()).env.Data;
    const { env } = await h.call(h.bob, "POST", "/ivc/cms/config/authstream", { ...alice, PullSecret: "bob" });
    expect(env.StatusCode).toBe(40006);
    expect((await read()).env.Data).toEqual(alice);
  });
});
