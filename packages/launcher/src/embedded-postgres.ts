import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InfraError, type InfraProcess } from "./infra.js";
import { waitFor } from "./probe.js";

/**
 * The gateway's own PostgreSQL when DATABASE_URL is unset: Debian's server binaries run on a cluster
 * of the gateway's, reachable only through a Unix socket (no TCP port, trust auth, socket folder
 * 0700), supervised like NATS and Redis. The cluster lives in IVC_VAR_DIR/postgres; as root it
 * belongs to Debian's postgres user (the server refuses root) and lives in that user's home,
 * /var/lib/postgresql/ivc-<hash of IVC_VAR_DIR>, since a clone under /root is out of its reach.
 * Measured in bench/api: PostgreSQL costs a fraction of the CPU per request that PGlite does inside
 * the API's event loop (docs/architecture.md, "Database").
 */

/** The newest installed server's bin folder (Debian: /usr/lib/postgresql/<major>/bin), if any. */
export function postgresBinDir(): string | undefined {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(base, v, "bin")).find((dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "postgres")));
}

interface Owner {
  uid: number;
  gid: number;
  home: string;
}

/** PostgreSQL refuses to run as root: then the cluster belongs to Debian's postgres user. */
function clusterOwner(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const entry = spawnSync("getent", ["passwd", "postgres"], { encoding: "utf8" });
  const [, , uid, gid, , home] = entry.stdout?.trim().split(":") ?? [];
  if (entry.status !== 0 || !uid || !gid || !home) throw new InfraError('PostgreSQL cannot run as root and there is no "postgres" user: run "npm run setup" as root');
  return { uid: Number(uid), gid: Number(gid), home };
}

function asOwner(owner: Owner | undefined, cwd: string): { uid?: number; gid?: number; cwd: string } {
  return owner ? { uid: owner.uid, gid: owner.gid, cwd } : { cwd };
}

function run(bin: string, argv: string[], owner: Owner | undefined, cwd: string): { status: number | null; output: string } {
  const r = spawnSync(bin, argv, { encoding: "utf8", ...asOwner(owner, cwd) });
  return { status: r.status, output: `${r.stderr ?? ""}${r.stdout ?? ""}`.trim() };
}

/** Unix socket paths are limited to 107 bytes; a deep IVC_VAR_DIR gets its socket in the temporary folder. */
function socketDirFor(clusterDir: string): string {
  const inside = join(clusterDir, "socket");
  if (join(inside, ".s.PGSQL.5432").length < 100) return inside;
  return join(tmpdir(), `ivc-pg-${createHash("sha256").update(clusterDir).digest("hex").slice(0, 12)}`);
}

export interface EmbeddedPostgres {
  proc: InfraProcess;
  /** What the API gets as DATABASE_URL. */
  url: string;
  clusterDir: string;
}

const DATABASE = "ivc";

/** Makes the cluster on first start (initdb, database "ivc"), starts the server and waits until it accepts connections. */
export async function startEmbeddedPostgres(bin: string, varDir: string): Promise<EmbeddedPostgres> {
  const owner = clusterOwner();
  const clusterDir = owner ? join(owner.home, `ivc-${createHash("sha256").update(varDir).digest("hex").slice(0, 12)}`) : join(varDir, "postgres");
  const dataDir = join(clusterDir, "data");
  const socketDir = socketDirFor(clusterDir);
  for (const dir of [clusterDir, socketDir]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (owner) chownSync(dir, owner.uid, owner.gid);
  }
  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    const init = run(join(bin, "initdb"), ["-D", dataDir, "-U", DATABASE, "-A", "trust", "-E", "UTF8", "--locale=C"], owner, clusterDir);
    if (init.status !== 0) throw new InfraError(`initdb of the embedded PostgreSQL failed: ${init.output.split("\n").pop()}`);
  }
  const accepting = () => Promise.resolve(run(join(bin, "pg_isready"), ["-q", "-h", socketDir, "-U", DATABASE, "-d", "postgres"], owner, clusterDir).status === 0);
  const start = async (): Promise<ChildProcess> => {
    const child = spawn(join(bin, "postgres"), ["-D", dataDir, "-k", socketDir, "-c", "listen_addresses=", "-c", "unix_socket_permissions=0700"], {
      stdio: ["ignore", "ignore", "pipe"], detached: true, ...asOwner(owner, clusterDir),
    });
    let stderr = "";
    child.stderr?.on("data", (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-2000);
    });
    const exited = new Promise<boolean>((resolve) => child.once("exit", () => resolve(false)));
    // Crash recovery after a kill -9 replays the WAL; on a loaded box that can take a while.
    if (!(await Promise.race([waitFor(accepting, 60_000, 200), exited]))) {
      child.kill("SIGKILL");
      throw new InfraError(`the embedded PostgreSQL did not start: ${stderr.trim().split("\n").pop() ?? "no output"}`);
    }
    return child;
  };
  const proc: InfraProcess = { name: "postgres", child: await start(), start, stopSignal: "SIGINT" };
  const created = run(join(bin, "createdb"), ["-h", socketDir, "-U", DATABASE, DATABASE], owner, clusterDir);
  if (created.status !== 0 && !created.output.includes("already exists")) {
    throw new InfraError(`creating the database of the embedded PostgreSQL failed: ${created.output}`);
  }
  return { proc, clusterDir, url: `postgresql://${DATABASE}@localhost/${DATABASE}?host=${encodeURIComponent(socketDir)}` };
}
