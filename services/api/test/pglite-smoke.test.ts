import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/database.js";
import { migrate } from "../src/db/migrate.js";
import { openDatabase } from "../src/db/open.js";
import { createHarness, testNode } from "./support/harness.js";
import type { Harness } from "./support/harness.js";

// The embedded database runs the same migrations and routes; opened once for the whole file and always closed.

let dir: string;
let database: Database | undefined;
let h: Harness | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ivc-pglite-"));
  database = await openDatabase(undefined, { pgliteDir: dir });
  h = await createHarness(database);
});
afterAll(async () => {
  await h?.app.close();
  await database?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("PGlite smoke", () => {
  it("is the embedded database and has every migration applied exactly once", async () => {
    expect(database?.kind).toBe("pglite");
    expect(await migrate(database as Database)).toEqual([]);
    expect(await database?.ping()).toBe(true);
  });

  it("serves organizations, devices and the device list", async () => {
    const api = h as Harness;
    const org = await api.call<{ Id: string }>(api.alice, "POST", "/ivc/cms/organization/add", { Name: "门店", ParentId: "0" });
    expect(org.env.StatusCode).toBe(200);
    const device = await api.call<{ Code: string }>(api.alice, "POST", "/ivc/cms/device/add", {
      Name: "大华球机03",
      AccessProtocol: 2,
      Type: 1,
      OrganizationId: org.env.Data.Id,
      ClusterId: testNode.id,
    });
    expect(device.env.Data.Code).toMatch(/^3402000000132\d{7}$/);
    const list = await api.call<{ TotalCount: number }>(api.alice, "GET", `/ivc/urm/resource/getUserResources?OrganizationId=${org.env.Data.Id}`);
    expect(list.env.Data.TotalCount).toBe(1);
    const duplicate = await api.call(api.alice, "POST", "/ivc/cms/organization/add", { Name: "门店", ParentId: "0" });
    expect(duplicate.env.StatusCode).toBe(41613);
    const foreign = await api.call<{ TotalCount: number }>(api.bob, "GET", `/ivc/urm/resource/getUserResources?OrganizationId=${org.env.Data.Id}`);
    expect(foreign.env.Data.TotalCount).toBe(0);
  });

  it("serialises concurrent transactions on its single connection", async () => {
    const api = h as Harness;
    const adds = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api.call<{ Code: string }>(api.alice, "POST", "/ivc/cms/device/add", { Name: `c${i}`, AccessProtocol: 2, Type: 2, OrganizationId: "0", ClusterId: testNode.id }),
      ),
    );
    expect(new Set(adds.map((a) => a.env.Data.Code)).size).toBe(10);
  });
});
