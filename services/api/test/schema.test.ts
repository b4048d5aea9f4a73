import { sql } from "drizzle-orm";
import { getTableConfig } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/db/migrate.js";
import { schema } from "../src/db/schema.js";
import { createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

describe("migrations and the drizzle schema", () => {
  it("define the same tables, columns and nullability", async () => {
    const result = (await testDb.database.db.execute(
      sql`select table_name, column_name, is_nullable from information_schema.columns where table_schema = 'public' and table_name <> 'ivc_schema_migrations'`,
    )) as { rows: Array<{ table_name: string; column_name: string; is_nullable: string }> };
    const migrated = result.rows
      .map((r) => `${r.table_name}.${r.column_name} ${r.is_nullable === "YES" ? "null" : "not null"}`)
      .sort();
    const declared = Object.values(schema)
      .flatMap((table) => {
        const config = getTableConfig(table);
        return config.columns.map((c) => `${config.name}.${c.name} ${c.notNull ? "not null" : "null"}`);
      })
      .sort();
    expect(declared).toEqual(migrated);
  });

  it("applies nothing the second time", async () => {
    expect(await migrate(testDb.database)).toEqual([]);
  });
});
