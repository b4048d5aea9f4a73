import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { SecretBox } from "../accounts/secret-box.js";
import type { Database, RawSession } from "./database.js";
import { sealDevicePasswords } from "./seal-device-passwords.js";

/** services/api/migrations, reached from src/db or dist/db alike. */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations/", import.meta.url));

// Arbitrary constant: serialises concurrent API instances migrating the same PostgreSQL database.
const MIGRATION_LOCK_KEY = 28_473_019;

export interface MigrationContext {
  /** The master key's box; a step that must seal existing rows fails without it, and only then. */
  readonly box?: SecretBox | undefined;
}

/** A migration that needs what SQL cannot have (the master key); versioned and ordered with the files. */
export interface CodeMigration {
  readonly version: string;
  run(session: RawSession, context: MigrationContext): Promise<void>;
}

const CODE_MIGRATIONS: readonly CodeMigration[] = [sealDevicePasswords];

export interface MigrateOptions extends MigrationContext {
  readonly dir?: string;
}

/**
 * Applies every `NNNN_name.sql` file and code migration not yet recorded, in version order, in one
 * transaction. Returns the applied versions.
 */
export async function migrate(database: Database, options: MigrateOptions = {}): Promise<string[]> {
  const dir = options.dir ?? MIGRATIONS_DIR;
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f));
  const steps = [...files.map((file) => ({ version: file, file })), ...CODE_MIGRATIONS.map((code) => ({ version: code.version, code }))].sort((a, b) =>
    a.version < b.version ? -1 : 1,
  );
  return database.withRawSession(async (session) => {
    await session.exec("BEGIN");
    try {
      await session.rows("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
      await session.exec(
        "CREATE TABLE IF NOT EXISTS ivc_schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
      );
      const done = new Set((await session.rows("SELECT version FROM ivc_schema_migrations", [])).map((r) => String(r["version"])));
      const applied: string[] = [];
      for (const step of steps) {
        if (done.has(step.version)) continue;
        if ("file" in step) await session.exec(await readFile(new URL(step.file, `file://${dir}/`), "utf8"));
        else await step.code.run(session, options);
        await session.rows("INSERT INTO ivc_schema_migrations (version) VALUES ($1)", [step.version]);
        applied.push(step.version);
      }
      await session.exec("COMMIT");
      return applied;
    } catch (err) {
      await session.exec("ROLLBACK");
      throw err;
    }
  });
}
