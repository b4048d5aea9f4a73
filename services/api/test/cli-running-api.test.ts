import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createLogger } from "@ivc/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/open.js";
import { PgliteBusyError } from "../src/db/pglite-lock.js";
import { signAuthorization } from "../src/signing/sign.js";
import { freePort } from "../../../test/support/ports.js";
import { startPrivateNats } from "../../../test/support/private-nats.js";
import type { PrivateNats } from "../../../test/support/private-nats.js";

// Issue 12: `ivc accounts create` / `ivc keys create` while the API runs on PGlite. The API is the
// built one (dist, as `npm start` runs it) on a temporary IVC_VAR_DIR; the CLI is the built one too.

const dist = fileURLToPath(new URL("../dist/", import.meta.url));
const run = promisify(execFile);

let nats: PrivateNats;
let varDir: string;
let port: number;
let api: { child: ChildProcess; exited: Promise<unknown> } | undefined;
let output = "";

function apiEnv(): NodeJS.ProcessEnv {
  return { ...process.env, IVC_VAR_DIR: varDir, DATABASE_URL: "", PGLITE_DIR: "", IVC_MASTER_KEY: "", IVC_MASTER_KEY_FILE: "", IVC_SECRET_ID: "", IVC_SECRET_KEY: "", INIT_CWD: "" };
}

async function startApi(): Promise<void> {
  const child = spawn(process.execPath, [join(dist, "main.js")], {
    env: { ...apiEnv(), NATS_URL: nats.url, API_PORT: String(port), API_HOST: "127.0.0.1", LOG_LEVEL: "info", IVC_LAUNCHED: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
  child.stderr?.on("data", (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  api = { child, exited };
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`api exited:\n${output}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`api not healthy within 60 s:\n${output}`);
}

async function stopApi(): Promise<void> {
  api?.child.kill("SIGTERM");
  await api?.exited;
  api = undefined;
}

async function ivc(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(dist, "cli/main.js"), ...argv], { env: apiEnv(), timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

async function signedStatus(secretId: string, secretKey: string): Promise<number> {
  const url = new URL("/ivc/cms/config/getuserregion", `http://127.0.0.1:${port}`);
  const authorization = signAuthorization({
    secretId,
    secretKey,
    method: "GET",
    pathname: url.pathname,
    headers: { Host: url.host },
    startSeconds: Math.floor(Date.now() / 1000) - 1,
    validSeconds: 600,
  });
  const res = await fetch(url, { headers: { Authorization: authorization } });
  return ((await res.json()) as { StatusCode: number }).StatusCode;
}

beforeAll(async () => {
  nats = await startPrivateNats(createLogger("api-test", "silent"));
  varDir = await mkdtemp(join(tmpdir(), "ivc-cli-"));
  port = await freePort();
});
afterAll(async () => {
  await stopApi();
  await nats?.stop();
  await rm(varDir, { recursive: true, force: true });
});

describe("the CLI while the API runs on PGlite", () => {
  it("creates an account and a key through the API: the key signs at once and both survive a restart", async () => {
    await startApi();
    const account = await ivc("accounts", "create", "--name", "门店");
    expect(account, output).toMatchObject({ code: 0 });
    const { AppId } = JSON.parse(account.stdout) as { AppId: string };
    const key = await ivc("keys", "create", "--app-id", AppId);
    expect(key.code, key.stderr).toBe(0);
    const { SecretId, SecretKey } = JSON.parse(key.stdout) as { SecretId: string; SecretKey: string };
    expect(await signedStatus(SecretId, SecretKey)).toBe(200);
    expect(output).toContain("ivc command through the admin socket");

    // A second opener of the directory is refused, naming the way that works.
    const dir = join(varDir, "db");
    const second = openDatabase(undefined, { pgliteDir: dir, pgliteLockWaitMs: 0 });
    await expect(second).rejects.toBeInstanceOf(PgliteBusyError);
    await expect(second).rejects.toThrow(/npm run ivc -w @ivc\/api/);

    await stopApi();
    // No API: the CLI opens the database itself.
    const listed = await ivc("accounts", "list");
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(AppId);
    await startApi();
    expect(await signedStatus(SecretId, SecretKey)).toBe(200);
  }, 120_000);

  // PGlite's own files get the modes its WASM file system asks for; the 0700 directory keeps everyone else out of them.
  it("keeps the data directory, the master key and the admin socket to their owner", async () => {
    expect((await stat(join(varDir, "db"))).mode & 0o777).toBe(0o700);
    expect((await stat(join(varDir, "master.key"))).mode & 0o777).toBe(0o600);
    expect((await stat(join(varDir, "db", ".ivc-admin.sock"))).mode & 0o077).toBe(0);
  });
});
