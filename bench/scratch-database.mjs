// A throw-away PostgreSQL database for one bench run, made and dropped through the admin URL
// (TEST_DATABASE_URL, as the tests use), so a bench never touches a database it did not create.
import pg from "pg";

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function admin(sql) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates database `name` and answers its URL. */
export async function createScratchDatabase(name) {
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops database `name`, closing whatever still holds it; no error when it is not there. */
export async function dropScratchDatabase(name) {
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
