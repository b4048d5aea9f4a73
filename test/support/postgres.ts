import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { postgresBinDir } from "../../packages/launcher/src/embedded-postgres.js";
import { freePort } from "./ports.js";

export const DEFAULT_TEST_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres";

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface TestPostgres {
  url: string;
  stop(): void;
}

/**
 * The admin URL the API tests create their throw-away databases through. When nothing accepts a
 * connection at TEST_DATABASE_URL (a fresh machine), a private cluster with trust auth is made in a
 * temporary folder on a free loopback port — as the postgres user when we are root, since initdb
 * refuses to run as root — and removed after the run. The machine's own clusters are not touched.
 */
export async function ensureTestPostgres(): Promise<TestPostgres> {
  const wanted = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
  if (await canConnect(wanted)) return { url: wanted, stop: () => undefined };
  const bin = postgresBinDir();
  if (!bin) throw new Error(`no PostgreSQL at ${wanted} and none installed: run "npm run setup" as root (installs postgresql)`);
  const dir = mkdtempSync(join(tmpdir(), "ivc-test-pg-"));
  chmodSync(dir, 0o777);
  const isRoot = process.getuid?.() === 0;
  const asOwner = (argv: string[]) => (isRoot ? ["runuser", ["-u", "postgres", "--", ...argv]] as const : [argv[0]!, argv.slice(1)] as const);
  const run = (argv: string[]) => {
    const [cmd, args] = asOwner(argv);
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${argv.join(" ")} failed: ${r.stderr || r.stdout}`);
  };
  const data = join(dir, "data");
  const port = await freePort();
  run([join(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  run([join(bin, "pg_ctl"), "-D", data, "-w", "-l", join(dir, "log"), "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, "start"]);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    stop: () => {
      try {
        run([join(bin, "pg_ctl"), "-D", data, "-w", "-m", "fast", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
