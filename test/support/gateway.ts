import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { callApi, type ApiKey, type Envelope } from "../../services/api/src/cli/api-client.js";
import { freePort, freeRtpRange, isProcessAlive } from "./ports.js";

export type { ApiKey, Envelope };

const root = fileURLToPath(new URL("../..", import.meta.url));

/** What GET /ivc/cms/device/describe answers, as far as the end-to-end tests read it. */
export interface DescribedDevice {
  Id: string;
  Code: string;
  SipId: string;
  SipDomain: string;
  SipIp: string;
  SipPort: number;
  Password: string;
  Status: number;
  PushStreamUrl: string;
}

export interface RunningGateway {
  env: NodeJS.ProcessEnv;
  /** The launcher's IVC_VAR_DIR (releases/, launcher.json). */
  varDir: string;
  apiUrl: string;
  sipPort: number;
  /** A signed request with the first key (or `key`, another account's), as a client of the real platform would send it. */
  call<T = unknown>(method: string, path: string, body?: unknown, key?: ApiKey): Promise<Envelope<T>>;
  /** The last lines the gateway's processes logged (E2E_LOG_LEVEL sets how much), for failure messages. */
  logs(): string;
  /** var/launcher.json: the PIDs of every process the launcher started, as it keeps them current. */
  launcherState(): LauncherState;
  /** SIGTERM to the launcher; resolves once every process it started is gone. */
  stop(): Promise<void>;
}

export interface LauncherState {
  pid: number;
  services: Array<{ name: string; pid: number }>;
  infra: Array<{ name: string; pid: number }>;
}

/**
 * The whole gateway as `npm start` runs it, isolated for one test file: its own NATS and Redis
 * (started by the launcher on free ports, so no other test's services answer its subjects), a
 * throw-away PostgreSQL database, free ports for every listener, and `overrides` on top.
 */
export async function startGateway(overrides: Record<string, string> = {}): Promise<RunningGateway> {
  const cwd = mkdtempSync(join(tmpdir(), "ivc-e2e-"));
  const adminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const dbName = `ivc_e2e_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  await admin.end();
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;

  const env: NodeJS.ProcessEnv = { ...process.env, IVC_PRETTY_LOGS: "false", LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? "warn" };
  for (const name of ["API_PORT", "SIP_PORT", "SIP_HTTP_PORT", "MEDIA_HTTP_PORT", "MEDIA_HTTPS_PORT", "RTMP_PORT", "EDGE_HTTP_PORT"]) env[name] = String(await freePort());
  Object.assign(env, {
    RTP_PORTS: await freeRtpRange(100),
    NATS_URL: `nats://127.0.0.1:${await freePort()}`,
    REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    DATABASE_URL: dbUrl.toString(),
    SIP_HOST: "127.0.0.1",
    MEDIA_HOST: "127.0.0.1",
    IVC_SECRET_ID: "AKIDe2eTestKey0000000000000000000001",
    IVC_SECRET_KEY: "e2eSecretKey00000000000000000001",
    ...overrides,
  });
  const launcher: ChildProcess = spawn(process.execPath, [join(root, "packages/launcher/dist/main.js")], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  launcher.stdout?.on("data", (c: Buffer) => (output = (output + c.toString()).slice(-200_000)));
  launcher.stderr?.on("data", (c: Buffer) => (output = (output + c.toString()).slice(-200_000)));
  const exited = new Promise<number | null>((resolve) => launcher.once("exit", (code) => resolve(code)));
  const ready = await Promise.race([
    new Promise<boolean>((resolve) => {
      const timer = setInterval(() => {
        if (output.includes("IVC gateway is running")) {
          clearInterval(timer);
          resolve(true);
        }
      }, 100);
      void exited.then(() => clearInterval(timer));
    }),
    exited.then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 120_000)),
  ]);
  if (!ready) {
    // SIGTERM first: the launcher then stops the NATS and Redis it started (they run detached,
    // so a SIGKILL would leave them behind).
    launcher.kill("SIGTERM");
    const gone = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))]);
    if (!gone) launcher.kill("SIGKILL");
    throw new Error(`gateway did not become ready:\n${output.slice(-6000)}`);
  }
  const apiUrl = `http://127.0.0.1:${env.API_PORT}`;

  return {
    env,
    varDir: join(cwd, "var"),
    apiUrl,
    sipPort: Number(env.SIP_PORT),
    logs: () => output,
    launcherState: () => JSON.parse(readFileSync(join(cwd, "var/launcher.json"), "utf8")) as LauncherState,
    async call<T>(method: string, path: string, body?: unknown, key?: ApiKey): Promise<Envelope<T>> {
      // Signed as `ivc api` signs (the real Host, Content-Type with a body).
      const signWith = key ?? { secretId: env.IVC_SECRET_ID as string, secretKey: env.IVC_SECRET_KEY as string };
      return callApi<T>({ baseUrl: apiUrl, key: signWith }, method, path, body === undefined ? undefined : JSON.stringify(body));
    },
    async stop() {
      const state = JSON.parse(readFileSync(join(cwd, "var/launcher.json"), "utf8")) as LauncherState;
      launcher.kill("SIGTERM");
      await exited;
      const pids = [state.pid, ...state.services.map((s) => s.pid), ...state.infra.map((p) => p.pid)];
      const deadline = Date.now() + 15_000;
      while (pids.some(isProcessAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      rmSync(cwd, { recursive: true, force: true });
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${dbName} with (force)`);
      await cleanup.end();
    },
  };
}
