#!/usr/bin/env node
// Installs the system programs the gateway needs from Debian's packages when they are missing.
// As root it runs apt-get; otherwise it prints one line naming what to install and carries on,
// so whatever needs the program later fails with its own clear message.
//   --runtime  what `npm start` needs (ffmpeg, nats-server, redis-server, postgresql for the embedded database)
//   --test     also what the test suite needs (sipp from sip-tester, chromium and a CJK font for the console test)
//   (none)     everything
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const runtime = [
  { command: "ffmpeg", pkg: "ffmpeg" },
  { command: "nats-server", pkg: "nats-server" },
  { command: "redis-server", pkg: "redis-server" },
  // The launcher's own PostgreSQL when DATABASE_URL is unset (PGlite stands in where it is missing).
  { command: "pg_ctlcluster", pkg: "postgresql" },
];
const testOnly = [
  { command: "sipp", pkg: "sip-tester" },
  // Test certificates for the play-domain tests are made at run time (test/support/certificates.ts).
  { command: "openssl", pkg: "openssl" },
  // The web console's browser test (test/e2e-console.test.ts, playwright-core drives Debian's chromium).
  { command: "chromium", pkg: "chromium" },
  // Chinese glyphs in the console's screenshots.
  { file: "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", pkg: "fonts-wqy-microhei" },
];

const args = new Set(process.argv.slice(2));
const wanted = args.has("--runtime") ? runtime : [...runtime, ...testOnly];
const has = (command) => spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
const present = (t) => (t.file ? existsSync(t.file) : has(t.command));
const missing = wanted.filter((t) => !present(t)).map((t) => t.pkg);

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

// The relay asks for 4 MiB receive buffers on its RTP sockets (the keyframes of hundreds of
// cameras arrive in bursts the event loops drain later); the kernel caps each at
// net.core.rmem_max, 208 KiB on a stock Debian, which drops datagrams under load.
const RMEM_WANTED = 4 * 1024 * 1024;
function ensureReceiveBuffers() {
  let current;
  try {
    current = Number(readFileSync("/proc/sys/net/core/rmem_max", "utf8"));
  } catch {
    return;
  }
  if (current >= RMEM_WANTED) return;
  if (!isRoot) {
    console.error(`ivc setup: net.core.rmem_max is ${current} bytes; for many cameras run: sudo sysctl -w net.core.rmem_max=${RMEM_WANTED}`);
    return;
  }
  try {
    writeFileSync("/proc/sys/net/core/rmem_max", String(RMEM_WANTED));
    writeFileSync("/etc/sysctl.d/60-ivc-gateway.conf", `# ivc gateway: RTP receive buffers of the media relay\nnet.core.rmem_max = ${RMEM_WANTED}\n`);
    console.error(`ivc setup: net.core.rmem_max raised from ${current} to ${RMEM_WANTED} bytes (kept in /etc/sysctl.d/60-ivc-gateway.conf)`);
  } catch (err) {
    console.error(`ivc setup: could not raise net.core.rmem_max (${err.message}); the relay drops RTP bursts sooner under load`);
  }
}
ensureReceiveBuffers();

if (missing.length === 0) process.exit(0);
if (!isRoot || !has("apt-get")) {
  console.error(`ivc setup: missing ${missing.join(", ")} — install with: sudo apt-get install -y ${missing.join(" ")}`);
  process.exit(0);
}
console.error(`ivc setup: installing ${missing.join(", ")} from Debian's packages`);
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
const run = (argv) => spawnSync("apt-get", argv, { stdio: ["ignore", "inherit", "inherit"], env }).status === 0;
// A stale package list is the usual reason an install fails on a fresh machine: update once, then install.
if (!run(["update", "-q"]) || !run(["install", "-y", "-q", "--no-install-recommends", ...missing])) {
  console.error(`ivc setup: apt-get could not install ${missing.join(" ")}`);
  process.exit(1);
}
