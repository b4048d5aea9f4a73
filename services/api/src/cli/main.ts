#!/usr/bin/env node
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadMasterKey } from "../accounts/master-key.js";
import { createSecretBox } from "../accounts/secret-box.js";
import { readEmbeddedDatabase } from "@ivc/runtime";
import { openDatabase } from "../db/open.js";
import { PgliteBusyError } from "../db/pglite-lock.js";
import { adminSocketPath, sendAdminCommand } from "./admin-socket.js";
import type { AdminRequest } from "./admin-socket.js";
import { parseArgs } from "./args.js";
import type { ParsedArgs } from "./args.js";
import { apiBaseUrl, resolveApiKey } from "./api-client.js";
import { parseApiRequest, runApiCommand } from "./api-command.js";
import { runCommand, USAGE } from "./commands.js";
import type { CommandResult } from "./commands.js";
import { DAILY_GROUPS, mediaBaseUrl, runDailyCommand } from "./daily-commands.js";
import { runHttp, UsageError } from "./http-command.js";

/** How long the CLI waits for a starting API's socket, or for another command to finish with the database. */
const BUSY_WAIT_MS = 15_000;

/** The request as the API, in its own working directory, must read it: file arguments made absolute. */
function remoteRequest(argv: readonly string[], args: ParsedArgs): AdminRequest {
  const bundle = `${args.group} ${args.action}` === "release publish" ? args.positional[0] : undefined;
  const key = process.env.IVC_RELEASE_PUBLIC_KEY || undefined;
  return {
    argv: bundle === undefined ? argv : argv.map((word) => (word === bundle ? resolve(word) : word)),
    releasePublicKey: key !== undefined && existsSync(key) ? resolve(key) : key,
  };
}

/**
 * With PGlite, the running API holds the database: the command runs inside it over its admin socket.
 * With no API, the CLI opens the database itself (and holds it while it works).
 */
async function throughApiOrOpen<T>(pgliteDir: string, request: AdminRequest, open: () => Promise<T>): Promise<{ answer: CommandResult } | { opened: T }> {
  const deadline = Date.now() + BUSY_WAIT_MS;
  for (;;) {
    const answer = await sendAdminCommand(adminSocketPath(pgliteDir), request);
    if (answer) return { answer };
    try {
      return { opened: await open() };
    } catch (err) {
      // Held, but no API answers yet: an API still starting, or another command.
      if (!(err instanceof PgliteBusyError) || Date.now() >= deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `ivc api …`, `ivc device …`, `ivc channel …`: signed requests to the running API, as any client sends them. */
async function httpCommand(argv: readonly string[]): Promise<number> {
  const result = await runHttp(async () => {
    const target = () => ({ baseUrl: apiBaseUrl(process.env), key: resolveApiKey(process.env) });
    if (argv[0] === "api") {
      const request = await parseApiRequest(argv.slice(1));
      return runApiCommand(target(), request);
    }
    const args = parseArgs(argv);
    if (!args.ok) throw new UsageError(`${args.reason}\n${USAGE}`);
    return runDailyCommand(target(), mediaBaseUrl(process.env), args.value);
  });
  for (const line of result.err) process.stderr.write(`${line}\n`);
  for (const line of result.out) process.stdout.write(`${line}\n`);
  return result.code;
}

function print(result: CommandResult): number {
  if (!result.ok) {
    process.stderr.write(`${result.reason}\n`);
    return 1;
  }
  for (const line of result.lines) process.stdout.write(`${line}\n`);
  return 0;
}

async function main(): Promise<number> {
  // `npm run ivc -w @ivc/api` runs in services/api; relative paths (./var) mean the directory npm was called from.
  if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
  // Files made here (master key, a first PGlite directory) are the owner's only.
  process.umask(0o077);
  const argv = process.argv.slice(2);
  if (argv.length === 0 || ["--help", "-h", "help"].includes(argv[0] ?? "")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (argv[0] === "api" || DAILY_GROUPS.includes(argv[0] ?? "")) return httpCommand(argv);
  const args = parseArgs(argv);
  if (!args.ok) {
    process.stderr.write(`${args.reason}\n${USAGE}\n`);
    return 64;
  }
  // The same files the running API uses (services/api/src/main.ts): under IVC_VAR_DIR unless set apart.
  const varDir = process.env.IVC_VAR_DIR || "./var";
  // Without DATABASE_URL, the database `npm start` chose for this IVC_VAR_DIR: its own PostgreSQL
  // (reachable while the gateway runs) or PGlite.
  const embedded = process.env.DATABASE_URL ? undefined : readEmbeddedDatabase(varDir);
  const embeddedPostgres = embedded?.kind === "postgresql" ? embedded : undefined;
  const databaseUrl = process.env.DATABASE_URL || embeddedPostgres?.url;
  const pgliteDir = process.env.PGLITE_DIR || join(varDir, "db");
  const openHere = async () => {
    const box = createSecretBox(await loadMasterKey(process.env.IVC_MASTER_KEY, process.env.IVC_MASTER_KEY_FILE || join(varDir, "master.key")));
    return { box, database: await openDatabase(databaseUrl, { pgliteDir, box, pgliteLockWaitMs: 0 }) };
  };
  // PostgreSQL takes any number of writers; a PGlite directory only one.
  const openPostgres = () => openHere().catch((err: unknown) => {
    if (!embeddedPostgres) throw err;
    throw new Error(`the gateway's database is the PostgreSQL that npm start runs (${embeddedPostgres.clusterDir}), and it does not answer: start the gateway (npm start), then run this command again`);
  });
  const reached = databaseUrl ? { opened: await openPostgres() } : await throughApiOrOpen(pgliteDir, remoteRequest(argv, args.value), openHere);
  if ("answer" in reached) return print(reached.answer);
  const { box, database } = reached.opened;
  try {
    return print(await runCommand({ db: database.db, box }, args.value));
  } finally {
    await database.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`ivc: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
