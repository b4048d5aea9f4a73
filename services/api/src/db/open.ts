import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import pg from "pg";
import type { Database, RawSession } from "./database.js";
import { migrate } from "./migrate.js";
import { schema } from "./schema.js";

export const DEFAULT_PGLITE_DIR = "./var/db";

export interface OpenOptions {
  /** Where PGlite keeps its files when no URL is given. */
  readonly pgliteDir?: string;
  readonly poolSize?: number;
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

async function openPglite(dir: string): Promise<Database> {
  await mkdir(dir, { recursive: true });
  const client = await PGlite.create(dir);
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
      await client.close();
    },
  };
}

/** PostgreSQL when a URL is given, else embedded PGlite under `./var/db`; migrations are applied before returning. */
export async function openDatabase(url: string | undefined, options: OpenOptions = {}): Promise<Database> {
  const database = url ? openPostgres(url, options.poolSize ?? 10) : await openPglite(options.pgliteDir ?? DEFAULT_PGLITE_DIR);
  try {
    await migrate(database);
  } catch (err) {
    await database.close();
    throw err;
  }
  return database;
}
