import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../../test/support/ports.js";
import { deviceCode, startHarness, type Harness } from "./support/harness.js";

const SIPP = "/usr/bin/sipp";
const scenarios = join(dirname(fileURLToPath(import.meta.url)), "sipp");

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

/** Runs one sipp scenario as a single call against the server; resolves with sipp's exit code and output. */
async function runSipp(scenario: string, deviceId: string, password: string): Promise<{ code: number | null; output: string }> {
  const localPort = await freePort();
  const workDir = mkdtempSync(join(tmpdir(), "sipp-"));
  const errorFile = join(workDir, "errors.log");
  const args = [`127.0.0.1:${h.server.port}`, "-sf", join(scenarios, scenario), "-m", "1", "-l", "1", "-i", "127.0.0.1", "-p", String(localPort)];
  args.push("-s", deviceId, "-au", deviceId, "-ap", password, "-timeout", "15s", "-timeout_error", "-nostdin", "-trace_err", "-error_file", errorFile);
  // cwd: sipp drops <scenario>_<pid>_errors.log files into its working directory.
  const child = spawn(SIPP, args, { cwd: workDir, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stdout.resume();
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const errors = existsSync(errorFile) ? readFileSync(errorFile, "utf8") : "";
  rmSync(workDir, { recursive: true, force: true });
  return { code, output: `${stderr}\n${errors}`.slice(0, 4000) };
}

// sipp comes from Debian's sip-tester, which `npm test` installs (deploy/setup.mjs); no skip when absent.
describe("sipp as an independent peer", () => {
  it("registers with digest (401 challenge, then 200 with Date and Expires)", async () => {
    const id = deviceCode(h.domain, "132", 1);
    h.addDevice(id, "sipp-secret");
    const result = await runSipp("register.xml", id, "sipp-secret");
    expect(result.code, result.output).toBe(0);
    await h.waitForEvent("device.online", id);
  });

  it("gets 200 for a keepalive MESSAGE after registering", async () => {
    const id = deviceCode(h.domain, "132", 2);
    h.addDevice(id, "sipp-secret-2");
    const result = await runSipp("keepalive.xml", id, "sipp-secret-2");
    expect(result.code, result.output).toBe(0);
  });

  it("fails the scenario when the password is wrong (sipp gets 403 instead of 200)", async () => {
    const id = deviceCode(h.domain, "132", 3);
    h.addDevice(id, "right");
    const result = await runSipp("register.xml", id, "wrong");
    expect(result.code).not.toBe(0);
  });
});
