#!/usr/bin/env node
// Runs every benchmark under bench/<name>/run.mjs in turn (or only those named as arguments), each
// followed by its companion scripts listed in FOLLOW_UPS. Each prints its own figures; this only
// sequences them and reports which failed.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
/**
 * Scripts run after a bench's run.mjs: the media relay's stream churn and the sip-server's device
 * and call churn (leak checks) add about a minute each; the sip REGISTER storm about 10 s; the API's
 * 5,000-device import about 20 s; the recording timeline over a month of segments about 3 min (its
 * fill goes through the span triggers). bench/recording/upload.mjs, bench/recording/download.mjs and
 * bench/ai/end-to-end.mjs run under tsx (they reuse test/support), on their own.
 */
const FOLLOW_UPS = { api: ["import.mjs"], media: ["churn.mjs"], recording: ["timeline.mjs", "live.mjs"], sip: ["churn.mjs", "storm.mjs"] };
const only = new Set(process.argv.slice(2));
const benches = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(here, d.name, "run.mjs")))
  .map((d) => d.name)
  .filter((name) => only.size === 0 || only.has(name))
  .sort();

let failed = 0;
for (const name of benches) {
  for (const script of ["run.mjs", ...(FOLLOW_UPS[name] ?? [])]) {
    const path = `bench/${name}${script === "run.mjs" ? "" : `/${script}`}`;
    console.log(`\n=== ${path} ===`);
    const r = spawnSync(process.execPath, [join(here, name, script)], { stdio: "inherit" });
    if (r.status !== 0) {
      failed += 1;
      console.log(`${path} failed (exit ${r.status})`);
    }
  }
}
if (benches.length === 0) console.log("no benchmarks found under bench/");
process.exit(failed === 0 ? 0 : 1);
