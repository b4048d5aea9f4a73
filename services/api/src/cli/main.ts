#!/usr/bin/env node
import { join } from "node:path";
import { loadMasterKey } from "../accounts/master-key.js";
import { createSecretBox } from "../accounts/secret-box.js";
import { openDatabase } from "../db/open.js";
import { parseArgs } from "./args.js";
import { runCommand, USAGE } from "./commands.js";

async function main(): Promise<number> {
  // `npm run ivc -w @ivc/api` runs in services/api; relative paths (./var) mean the directory npm was called from.
  if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
  const argv = process.argv.slice(2);
  if (argv.length === 0 || ["--help", "-h", "help"].includes(argv[0] ?? "")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const args = parseArgs(argv);
  if (!args.ok) {
    process.stderr.write(`${args.reason}\n${USAGE}\n`);
    return 64;
  }
  // The same files the running API uses (services/api/src/main.ts): under IVC_VAR_DIR unless set apart.
  const varDir = process.env.IVC_VAR_DIR || "./var";
  const box = createSecretBox(await loadMasterKey(process.env.IVC_MASTER_KEY, process.env.IVC_MASTER_KEY_FILE || join(varDir, "master.key")));
  const database = await openDatabase(process.env.DATABASE_URL || undefined, { pgliteDir: process.env.PGLITE_DIR || join(varDir, "db") });
  try {
    const result = await runCommand({ db: database.db, box }, args.value);
    if (!result.ok) {
      process.stderr.write(`${result.reason}\n`);
      return 1;
    }
    for (const line of result.lines) process.stdout.write(`${line}\n`);
    return 0;
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
