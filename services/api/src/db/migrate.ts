import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Database } from "./database.js";

/** services/api/migrations, reached from src/db or dist/db alike. */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations/", import.meta.url));

// Arbitrary constant: serialises concurrent API instances migrating the same PostgreSQL database.
const MIGRATION_LOCK_KEY = 28_473_019;

/** Applies every `NNNN_name.sql` not yet recorded, in name order, in one transaction. Returns the applied names. */
export async function migrate(database: Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).sort();
  return database.withRawSession(async (session) => {
    await session.exec("BEGIN");
    try {
      await session.rows("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
      await session.exec(
        "CREATE TABLE IF NOT EXISTS ivc_schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
      );
      const done = new Set((await session.rows("SELECT version FROM ivc_schema_migrations", [])).map((r) => String(r["version"])));
      const applied: string[] = [];
      for (const file of files) {
        if (done.has(file)) continue;
        await session.exec(await readFile(new URL(file, `file://${dir}/`), "utf8"));
        await session.rows("INSERT INTO ivc_schema_migrations (version) VALUES ($1)", [file]);
        applied.push(file);
      }
      await session.exec("COMMIT");
      return applied;
    } catch (err) {
      await session.exec("ROLLBACK");
      throw err;
    }
  });
}
