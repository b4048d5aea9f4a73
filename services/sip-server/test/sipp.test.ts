import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { mediaClose, sipInvite, type RequestOf } from "@ivc/bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../../test/support/ports.js";
import { deviceCode, sleep, startHarness, type Harness } from "./support/harness.js";

const SIPP = "/usr/bin/sipp";
const scenarios = join(dirname(fileURLToPath(import.meta.url)), "sipp");

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

interface SippRun {
  code: number | null;
  output: string;
  /** What the scenario's <log> actions wrote (-trace_logs). */
  log: string;
}

/** Starts sipp with `scenario` against the server from `localPort`; resolves with its exit code, output and log once it ends. */
function startSipp(scenario: string, localPort: number, args: readonly string[]): Promise<SippRun> {
  const workDir = mkdtempSync(join(tmpdir(), "sipp-"));
  const errorFile = join(workDir, "errors.log");
  const logFile = join(workDir, "scenario.log");
  const all = [`127.0.0.1:${h.server.port}`, "-sf", join(scenarios, scenario), "-i", "127.0.0.1", "-p", String(localPort), ...args];
  all.push("-timeout", "15s", "-timeout_error", "-nostdin", "-trace_err", "-error_file", errorFile, "-trace_logs", "-log_file", logFile);
  // cwd: sipp drops <scenario>_<pid>_errors.log files into its working directory.
  const child = spawn(SIPP, all, { cwd: workDir, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stdout.resume();
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<number | null>((resolve) => child.on("close", resolve)).then((code) => {
    const read = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : "");
    const run = { code, output: `${stderr}\n${read(errorFile)}`.slice(0, 4000), log: read(logFile) };
    rmSync(workDir, { recursive: true, force: true });
    return run;
  });
}

/** Runs one UAC scenario as a single call with the device's digest credentials. */
async function runSipp(scenario: string, deviceId: string, password: string, localPort?: number): Promise<SippRun> {
  return startSipp(scenario, localPort ?? (await freePort()), ["-m", "1", "-l", "1", "-s", deviceId, "-au", deviceId, "-ap", password]);
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

  it("answers the gateway's download INVITE as a device (s=Download, u=, t=, a=downloadspeed) and ends it with MediaStatus 121: 200 to the MESSAGE, then the gateway's BYE", async () => {
    const id = deviceCode(h.domain, "132", 4);
    const channelId = `${h.domain}1310000004`;
    h.addDevice(id, "sipp-secret-4");
    const port = await freePort();
    const registered = await runSipp("register.xml", id, "sipp-secret-4", port);
    expect(registered.code, registered.output).toBe(0);
    await h.waitForEvent("device.online", id);
    // The device listens where it registered from; the server's INVITE goes there.
    const device = startSipp("download-uas.xml", port, ["-s", id]);
    const closes: Array<RequestOf<typeof mediaClose>> = [];
    const relay = h.bus.reply(mediaClose, { clusterId: h.clusterId }, (request) => {
      closes.push(request);
      return { closed: true };
    });
    try {
      await sleep(300);
      const start = 1_700_000_000_000;
      const end = start + 600_000;
      const ssrc = `1${h.domain.slice(3, 8)}0004`;
      const streamId = `${channelId}@dl1`;
      const invite = h.bus.request(
        sipInvite,
        { clusterId: h.clusterId },
        { streamId, deviceId: id, channelId, mediaIp: "127.0.0.1", mediaPort: 30_000, ssrc, transport: "udp", kind: "download", start, end, speed: 4 },
        { timeoutMs: 10_000 },
      );
      // A scenario that fails before answering ends sipp: its own account says why.
      const answer = await Promise.race([invite, device.then((run) => Promise.reject(new Error(`sipp ended before the INVITE was answered (${run.code}): ${run.output}`)))]);
      expect(answer).toMatchObject({ deviceSsrc: ssrc, deviceIp: "127.0.0.1", devicePort: 15_060 });
      const run = await device;
      expect(run.code, run.output).toBe(0);
      expect(run.log).toContain(`download channel=${channelId} start=${start / 1000} end=${end / 1000} speed=4 ssrc=${ssrc}`);
      // The relay is told the download is over, and why.
      await expect.poll(() => closes, { timeout: 3000, interval: 50 }).toContainEqual(expect.objectContaining({ streamId, endOfFile: true, reason: expect.stringMatching(/121/) }));
    } finally {
      relay.unsubscribe();
    }
  });
});
