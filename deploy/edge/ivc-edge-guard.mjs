#!/usr/bin/env node
// systemd ExecStartPre of ivc-edge-agent.service: protects the box against a new agent version
// that cannot start. It lives outside versions/ (installed once by install.sh), so a bad release
// cannot break it. While <root>/pending-self.json exists (written by the old agent just before it
// exits to become the new one), each start counts an attempt; the new agent deletes the file once
// it has run for UPGRADE_SETTLE. After MAX_ATTEMPTS starts without that, `current` is switched
// back to the previous version (write a new link, rename over `current`: atomic) and
// self-rollback.json tells the old agent why, which it reports as upgrade state "rolled-back".
import { readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const MAX_ATTEMPTS = 3;
const root = process.argv[2] ?? "/opt/ivc-edge";
const pendingPath = join(root, "pending-self.json");

let pending;
try {
  pending = JSON.parse(readFileSync(pendingPath, "utf8"));
} catch {
  process.exit(0);
}
if (typeof pending.previous !== "string" || typeof pending.version !== "string" || !/^[A-Za-z0-9._+-]{1,64}$/.test(pending.previous)) {
  rmSync(pendingPath, { force: true });
  process.exit(0);
}
const attempts = (Number(pending.attempts) || 0) + 1;
if (attempts <= MAX_ATTEMPTS) {
  writeFileSync(pendingPath, JSON.stringify({ ...pending, attempts }));
  process.stderr.write(`ivc-edge-guard: starting agent ${pending.version}, attempt ${attempts} of ${MAX_ATTEMPTS}\n`);
  process.exit(0);
}
const next = join(root, `.current-guard-${process.pid}`);
symlinkSync(join("versions", pending.previous), next);
renameSync(next, join(root, "current"));
const reason = `agent ${pending.version} did not stay up through ${MAX_ATTEMPTS} starts; switched back to ${pending.previous}`;
writeFileSync(join(root, "self-rollback.json"), JSON.stringify({ version: pending.version, previous: pending.previous, reason }));
rmSync(pendingPath, { force: true });
process.stderr.write(`ivc-edge-guard: ${reason}\n`);
