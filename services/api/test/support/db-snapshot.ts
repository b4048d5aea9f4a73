import { getTableName } from "drizzle-orm";
import type { Database } from "../../src/db/database.js";
import { schema } from "../../src/db/schema.js";

/** Every row of every table as `table: json`, sorted: two snapshots are equal exactly when nothing was stored. */
export async function snapshotRows(database: Database): Promise<string[]> {
  const selects = Object.values(schema).map((table) => {
    const name = getTableName(table);
    return `SELECT '${name}' || ': ' || row_to_json(t)::text AS line FROM "${name}" t`;
  });
  const rows = await database.withRawSession((session) => session.rows(`SELECT line FROM (${selects.join(" UNION ALL ")}) s ORDER BY line`, []));
  return rows.map((r) => String(r["line"]));
}

/** The first lines that differ between two snapshots, for an assertion message. */
export function rowDifference(before: readonly string[], after: readonly string[], limit = 4): string[] {
  const a = new Set(before);
  const b = new Set(after);
  return [...before.filter((l) => !b.has(l)).map((l) => `- ${l}`), ...after.filter((l) => !a.has(l)).map((l) => `+ ${l}`)].slice(0, limit).map((l) => l.slice(0, 300));
}
