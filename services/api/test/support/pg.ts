import pg from "pg";
import { openDatabase } from "../../src/db/open.js";
import type { Database } from "../../src/db/database.js";

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  readonly database: Database;
  readonly url: string;
  drop(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A throw-away PostgreSQL database for one test file, migrated; `drop()` removes it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `ivc_test_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase(url.toString(), { poolSize: 4 });
  return {
    database,
    url: url.toString(),
    async drop() {
      await database.close();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
