import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PassThrough, type Writable } from "node:stream";
import { pino } from "pino";
import { build as prettyStream } from "pino-pretty";
import { commonEnv, env, loadConfigOrExit, readEmbeddedDatabase, writeEmbeddedDatabase } from "@ivc/runtime";
import { InfraError, ensureNats, ensureRedis, keepRunning, stopInfra, type InfraProcess } from "./infra.js";
import { postgresBinDir, startEmbeddedPostgres } from "./embedded-postgres.js";
import { discoverServices } from "./services.js";
import { Supervisor, waitStarted } from "./supervisor.js";
import { resolveFirstKey } from "./first-key.js";
import { detectLanAddress, renderSummary } from "./summary.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const config = loadConfigOrExit({
  ...commonEnv,
  IVC_VAR_DIR: env.string(resolve(process.cwd(), "var")),
  IVC_PRETTY_LOGS: env.bool(process.stdout.isTTY === true),
  // A starting service that shows no sign of life this long is restarted; one that keeps reporting
  // its stage (a slow database open on a loaded box) is waited for however long it takes.
  HEALTH_TIMEOUT: env.seconds(90, { min: 1, max: 3600 }),
  SIP_HOST: env.optionalString(),
  DATABASE_URL: env.optionalUrl(["postgres", "postgresql"]),
  // Without DATABASE_URL: "postgresql" runs Debian's PostgreSQL, "pglite" the in-process PGlite; "auto"
  // keeps what earlier starts used, else takes PostgreSQL when its binaries exist.
  EMBEDDED_DATABASE: env.string("auto", /^(auto|postgresql|pglite)$/, "auto, postgresql or pglite"),
});
const varDir = resolve(config.IVC_VAR_DIR);
// Inherited by every process started here (services, NATS, Redis): files 0600, folders 0700.
process.umask(0o077);
// Database files, the master key and the first key live here: readable by this user only.
mkdirSync(varDir, { recursive: true, mode: 0o700 });
chmodSync(varDir, 0o700);

const logSink: Writable = config.IVC_PRETTY_LOGS ? prettyStream({ colorize: true, translateTime: "SYS:HH:MM:ss.l" }) : new PassThrough();
if (!config.IVC_PRETTY_LOGS) (logSink as PassThrough).pipe(process.stdout);
const logger = pino({ base: { service: "launcher" }, level: config.LOG_LEVEL, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (l) => ({ level: l }) } }, logSink);

const infra: InfraProcess[] = [];
let supervisor: Supervisor | undefined;
let stopping: Promise<void> | undefined;

/** var/launcher.json: every process this launcher started, kept current so operators and tests can check them by PID. */
function recordState(): void {
  const state = { pid: process.pid, services: supervisor?.pids() ?? [], infra: infra.map((p) => ({ name: p.name, pid: p.child.pid })) };
  writeFileSync(join(varDir, "launcher.json"), JSON.stringify(state, null, 2), { mode: 0o600 });
}

function stopEverything(exitCode: number): Promise<void> {
  stopping ??= (async () => {
    await supervisor?.stopAll();
    for (const proc of [...infra].reverse()) {
      await stopInfra(proc);
      logger.info({ infra: proc.name }, "stopped");
    }
    logger.info("all stopped");
    setTimeout(() => process.exit(exitCode), 50);
  })();
  return stopping;
}

process.once("SIGINT", () => void stopEverything(0));
process.once("SIGTERM", () => void stopEverything(0));

interface DatabaseChoice {
  /** DATABASE_URL for the services; undefined means PGlite inside the API. */
  url: string | undefined;
  describe: string;
}

/**
 * DATABASE_URL when set; else the embedded PostgreSQL or PGlite (EMBEDDED_DATABASE), and the same
 * one on every later start (var/embedded-database.json): switching would hide the data.
 */
async function chooseDatabase(): Promise<DatabaseChoice> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, describe: "PostgreSQL (DATABASE_URL)" };
  const pgliteDir = join(varDir, "db");
  const bin = postgresBinDir();
  const recorded = readEmbeddedDatabase(varDir)?.kind ?? (existsSync(pgliteDir) ? "pglite" : undefined);
  const mode = config.EMBEDDED_DATABASE;
  if (mode !== "auto" && recorded !== undefined && recorded !== mode) {
    logger.warn({ recorded, chosen: mode }, `EMBEDDED_DATABASE=${mode}: the ${recorded} database of earlier starts is left as it is, unused`);
  }
  const kind = mode !== "auto" ? mode : (recorded ?? (bin ? "postgresql" : "pglite"));
  if (kind === "pglite") {
    writeEmbeddedDatabase(varDir, { kind: "pglite", dir: pgliteDir });
    logger.info({ pgliteDir }, "database: embedded PGlite inside the API");
    return { url: undefined, describe: `embedded PGlite in ${pgliteDir}` };
  }
  if (!bin) throw new InfraError('the gateway\'s database is PostgreSQL but PostgreSQL is not installed: run "npm run setup" as root, or "sudo apt-get install -y postgresql"');
  const started = await startEmbeddedPostgres(bin, varDir);
  writeEmbeddedDatabase(varDir, { kind: "postgresql", clusterDir: started.clusterDir, url: started.url });
  infra.push(started.proc);
  recordState();
  superviseInfra(started.proc, "postgres", "embedded");
  logger.info({ infra: "postgres", pid: started.proc.child.pid }, `started PostgreSQL in ${started.clusterDir} (Unix socket only)`);
  return { url: started.url, describe: `PostgreSQL in ${started.clusterDir} (started here, pid ${started.proc.child.pid})` };
}

function superviseInfra(started: InfraProcess, name: string, url: string): void {
  keepRunning(started, {
    onRestarted: (proc) => {
      recordState();
      logger.warn({ infra: name, pid: proc.child.pid, url }, `${proc.name} had died; restarted it`);
    },
    onRestartFailed: (proc, err, retryInMs) =>
      logger.error({ infra: name, url, err: err instanceof Error ? err.message : String(err), retryInMs }, `${proc.name} could not be restarted`),
  });
}

async function main(): Promise<void> {
  for (const [name, ensure, url] of [["nats", ensureNats, config.NATS_URL], ["redis", ensureRedis, config.REDIS_URL]] as const) {
    const started = await ensure(url, varDir);
    if (started) {
      infra.push(started);
      recordState();
      superviseInfra(started, name, url);
      logger.info({ infra: name, pid: started.child.pid, url }, `started ${started.name} (nothing answered at ${url})`);
    } else {
      logger.info({ infra: name, url }, `using the ${name} server at ${url}`);
    }
  }

  const database = await chooseDatabase();

  const keyFile = join(varDir, "first-key.json");
  const key = resolveFirstKey(process.env, keyFile);
  const sipHost = config.SIP_HOST ?? detectLanAddress();
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    IVC_VAR_DIR: varDir,
    IVC_SECRET_ID: key.secretId,
    IVC_SECRET_KEY: key.secretKey,
    SIP_HOST: sipHost,
    MEDIA_HOST: process.env.MEDIA_HOST ?? sipHost,
    ...(database.url ? { DATABASE_URL: database.url } : {}),
  };

  const services = discoverServices(repoRoot);
  if (services.length === 0) throw new InfraError(`no built service under ${join(repoRoot, "services")}: run "npm run build" first`);
  const running = new Supervisor(childEnv, logger, logSink, {
    onFatal: (service, reason) => {
      logger.fatal({ serviceName: service, reason }, "service cannot start; stopping");
      void stopEverything(1);
    },
    onSpawn: () => recordState(),
  });
  supervisor = running;
  for (const entry of services) {
    const service = running.start(entry);
    const waitOptions = { silenceMs: config.HEALTH_TIMEOUT, isStopping: () => stopping !== undefined };
    if (!(await waitStarted(running, service, logger, waitOptions))) return;
  }

  const pids = supervisor.pids();
  process.stdout.write(renderSummary({
    apiPort: childEnv.API_PORT ?? "8080",
    mediaHttpPort: childEnv.MEDIA_HTTP_PORT ?? "8088",
    mediaHttpsPort: childEnv.MEDIA_HTTPS_PORT ?? "8443",
    sipId: config.SIP_ID,
    sipDomain: childEnv.SIP_DOMAIN ?? config.SIP_ID.slice(0, 10),
    sipHost,
    sipPort: childEnv.SIP_PORT ?? "5060",
    key,
    keyFile,
    services: pids,
    infra: [
      ...infra.map((p) => `${p.name} (pid ${p.child.pid}, started here)`),
      `NATS ${config.NATS_URL}`,
      `Redis ${config.REDIS_URL}`,
      `database ${database.describe}`,
    ],
  }));
  logger.info({ services: pids }, "gateway ready");
}

main().catch((err: unknown) => {
  const message = err instanceof InfraError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`ivc: ${message}\n`);
  void stopEverything(1);
});
