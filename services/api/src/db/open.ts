import { chmod, mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import pg from "pg";
import type { SecretBox } from "../accounts/secret-box.js";
import type { Database, RawSession } from "./database.js";
import { migrate } from "./migrate.js";
import { lockPgliteDir } from "./pglite-lock.js";
import { schema } from "./schema.js";

export const DEFAULT_PGLITE_DIR = "./var/db";

export interface OpenOptions {
  /** Where PGlite keeps its files when no URL is given. */
  readonly pgliteDir?: string;
  readonly poolSize?: number;
  /** The master key's box, for migrations that seal existing rows. */
  readonly box?: SecretBox;
  /** How long to wait for another process to let go of the PGlite directory; default 10 s. */
  readonly pgliteLockWaitMs?: number;
}

function openPostgres(url: string, poolSize: number): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on("error", () => undefined);
  return {
    db: drizzlePg(pool, { schema }),
    kind: "postgres",
    async withRawSession(work) {
      const client = await pool.connect();
      try {
        const session: RawSession = {
          exec: async (text) => void (await client.query(text)),
          rows: async (text, params) => (await client.query(text, [...params])).rows as Array<Record<string, unknown>>,
        };
        return await work(session);
      } finally {
        client.release();
      }
    },
    async ping() {
      try {
        await pool.query("SELECT 1");
        return true;
      } catch {
        return false;
      }
    },
    close: () => pool.end(),
  };
}

async function openPglite(dir: string, lockWaitMs: number): Promise<Database> {
  // Owner only: the files hold the account's data (issue 11); a directory made 0755 by an older version is narrowed.
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const lock = await lockPgliteDir(dir, lockWaitMs);
  let client: PGlite;
  try {
    client = await PGlite.create(dir);
  } catch (err) {
    await lock.release();
    throw err;
  }
  let closed = false;
  return {
    db: drizzlePglite(client, { schema }),
    kind: "pglite",
    withRawSession: (work) =>
      work({
        exec: async (text) => void (await client.exec(text)),
        rows: async (text, params) => (await client.query<Record<string, unknown>>(text, [...params])).rows,
      }),
    async ping() {
      return !closed;
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await client.close();
      } finally {
        await lock.release();
      }
    },
  };
}

/**
 * PostgreSQL when a URL is given, else embedded PGlite under `./var/db`, held exclusively (pglite-lock.ts)
 * until closed; migrations are applied before returning.
 */
export async function openDatabase(url: string | undefined, options: OpenOptions = {}): Promise<Database> {
  const database = url ? openPostgres(url, options.poolSize ?? 10) : await openPglite(options.pgliteDir ?? DEFAULT_PGLITE_DIR, options.pgliteLockWaitMs ?? 10_000);
  try {
    await migrate(database, { box: options.box });
  } catch (err) {
    await database.close();
    throw err;
  }
  return database;
}
