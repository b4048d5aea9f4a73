import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateTestPattern, StreamingMediaResponder, VirtualDevice } from "@ivc/device-sim";
import { parseCliArgs } from "../packages/device-sim/src/cli-args.js";
import { startGateway, type RunningGateway } from "./support/gateway.js";

// Issue 19 (command line): the built `ivc` against the whole running gateway, as a person uses it —
// signed requests through the public API only, and the short forms for the daily jobs.

const cli = fileURLToPath(new URL("../services/api/dist/cli/main.js", import.meta.url));

let gw: RunningGateway;
let home: string;
let video: string;
const sims: VirtualDevice[] = [];
const responders: StreamingMediaResponder[] = [];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI as a person runs it from `home`: only the API's address and a key, no database settings. */
function ivc(argv: string[], env: Record<string, string> = {}): Promise<Run> {
  const base: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    API_URL: gw.apiUrl,
    MEDIA_HTTP_PORT: gw.env.MEDIA_HTTP_PORT,
    IVC_SECRET_ID: gw.env.IVC_SECRET_ID,
    IVC_SECRET_KEY: gw.env.IVC_SECRET_KEY,
    INIT_CWD: home,
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...argv], { env: { ...base, ...env }, cwd: home, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `label   value` lines of what add-gb says to enter on the camera. */
function setting(out: string, label: string): string {
  const m = new RegExp(`^\\s+${label}\\s{2,}(\\S+)`, "m").exec(out);
  if (!m?.[1]) throw new Error(`no "${label}" in:\n${out}`);
  return m[1];
}

beforeAll(async () => {
  const pattern = await generateTestPattern();
  if (pattern === undefined) throw new Error("ffmpeg is needed to make the test picture (npm test installs it)");
  video = pattern;
  gw = await startGateway();
  home = await mkdtemp(join(tmpdir(), "ivc-cli-home-"));
}, 180_000);

afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  await Promise.all(responders.map((r) => r.close()));
  await gw?.stop();
  if (home) await rm(home, { recursive: true, force: true });
  if (video) await rm(dirname(video), { recursive: true, force: true });
}, 60_000);

describe("ivc api", () => {
  it("signs a request with the configured key and prints the envelope", async () => {
    const run = await ivc(["api", "GET", "/ivc/cms/config/getuserregion"]);
    expect(run.code, run.stderr).toBe(0);
    const envelope = JSON.parse(run.stdout) as { StatusCode: number; Data: Array<{ Value: string }> };
    expect(envelope.StatusCode).toBe(200);
    expect(envelope.Data[0]?.Value).toMatch(/\S/);
  });

  it("uses the key npm start kept in var/first-key.json when no key is in the environment", async () => {
    const varDir = join(home, "var");
    await mkdir(varDir, { recursive: true });
    await writeFile(join(varDir, "first-key.json"), JSON.stringify({ secretId: gw.env.IVC_SECRET_ID, secretKey: gw.env.IVC_SECRET_KEY }));
    try {
      const run = await ivc(["api", "GET", "/ivc/cms/config/getuserregion"], { IVC_SECRET_ID: "", IVC_SECRET_KEY: "" });
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ StatusCode: 200 });
    } finally {
      await rm(varDir, { recursive: true, force: true });
    }
  });

  it("a wrong key is refused: non-zero exit and the signature error code", async () => {
    const run = await ivc(["api", "GET", "/ivc/cms/config/getuserregion"], { IVC_SECRET_KEY: "not-the-right-secret-key-0000000" });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ StatusCode: 41602 });
  });

  it("a StatusCode other than 200 exits non-zero: describe of an unknown device", async () => {
    const run = await ivc(["api", "GET", "/ivc/cms/device/describe?Id=00000000-0000-4000-8000-000000000000"]);
    expect(run.code).toBe(1);
    const envelope = JSON.parse(run.stdout) as { StatusCode: number };
    expect(envelope.StatusCode).not.toBe(200);
  });

  it("sends a JSON body from a file (@file) and from the argument", async () => {
    await writeFile(join(home, "org.json"), JSON.stringify({ Name: "文件门店", ParentId: "0" }));
    const fromFile = await ivc(["api", "POST", "/ivc/cms/organization/add", "@org.json"]);
    expect(fromFile.code, fromFile.stdout + fromFile.stderr).toBe(0);
    const inline = await ivc(["api", "POST", "/ivc/cms/organization/add", JSON.stringify({ Name: "参数门店", ParentId: "0" })]);
    expect(inline.code, inline.stdout + inline.stderr).toBe(0);
    const bad = await ivc(["api", "POST", "/ivc/cms/organization/add", "{not json"]);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain("not JSON");
  });

  it("--explain prints the string to sign, and the request still goes through", async () => {
    const run = await ivc(["api", "--explain", "GET", "/ivc/cms/config/getuserregion"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/StringToSign[^\n]*\n\s+"sha1"\n\s+"\d+;\d+"\n\s+"[0-9a-f]{40}"/);
    expect(run.stderr).toContain('"/ivc/cms/config/getuserregion"');
    expect(run.stderr).toContain(`q-ak=${gw.env.IVC_SECRET_ID}`);
    expect(JSON.parse(run.stdout)).toMatchObject({ StatusCode: 200 });
  });

  it("an API that does not answer is a clear error, not a stack", async () => {
    const run = await ivc(["api", "GET", "/ivc/cms/config/getuserregion"], { API_URL: "http://127.0.0.1:1" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("cannot reach the API at http://127.0.0.1:1");
  });
});

describe("short forms", () => {
  it("device add-gb prints what a camera needs; the virtual device registers with it, goes online, and device list shows it; its channel plays", async () => {
    const added = await ivc(["device", "add-gb", "--name", "命令行摄像头", "--password", "12345678"]);
    expect(added.code, added.stderr).toBe(0);
    const out = added.stdout;
    const code = setting(out, "device ID");
    const responder = new StreamingMediaResponder({ video, audio: false });
    responders.push(responder);
    const sim = new VirtualDevice({
      deviceId: code,
      password: setting(out, "password"),
      serverHost: setting(out, "SIP server IP"),
      serverPort: Number(setting(out, "SIP server port")),
      serverId: setting(out, "SIP server ID"),
      domain: setting(out, "SIP domain"),
      localHost: "127.0.0.1",
      keepaliveInterval: 5,
      channels: 1,
      channelNames: ["命令行通道"],
      mediaResponder: responder,
    });
    sims.push(sim);
    // The line printed for a person without a camera says the same to gb-device-sim.
    const simLine = /^\s+npx gb-device-sim (.+)$/m.exec(out)?.[1];
    const parsed = parseCliArgs(simLine?.split(" ") ?? []);
    expect(parsed.kind === "run" ? parsed.options : parsed, out).toMatchObject({
      deviceId: code,
      password: "12345678",
      serverHost: "127.0.0.1",
      serverPort: gw.sipPort,
      serverId: setting(out, "SIP server ID"),
      domain: setting(out, "SIP domain"),
    });
    await sim.start();

    const deviceLine = (list: string) => list.split("\n").find((l) => l.includes(`\t${code}\t`));
    const channelLine = (list: string) => list.split("\n").find((l) => l.startsWith("  channel") && l.includes("命令行通道"));
    await expect.poll(async () => deviceLine((await ivc(["device", "list"])).stdout), { timeout: 15_000, interval: 500 }).toMatch(/\tGB\tIPC\tonline\t命令行摄像头$/);
    await expect.poll(async () => channelLine((await ivc(["device", "list"])).stdout), { timeout: 15_000, interval: 500 }).toMatch(/\tonline\t/);

    // Non-ASCII query values are signed decoded, as the server checks them.
    const byKeyword = await ivc(["api", "GET", "/ivc/urm/resource/getUserResources?OrganizationId=0&Keyword=命令行"]);
    expect(byKeyword.code, byKeyword.stdout + byKeyword.stderr).toBe(0);
    expect(JSON.parse(byKeyword.stdout)).toMatchObject({ Data: { TotalCount: 1, List: [{ Code: code }] } });

    const [, channelId, channelCode] = channelLine((await ivc(["device", "list"])).stdout)!.split("\t");
    const live = await ivc(["channel", "live", channelId!]);
    expect(live.code, live.stderr).toBe(0);
    const flv = /^HTTP-FLV\s+(\S+)/m.exec(live.stdout)?.[1];
    expect(flv, live.stdout).toMatch(/^http:\/\/.*\.live\.flv/);
    const res = await fetch(flv!);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();

    // The relay's diagnostics answer on its own machine (loopback), where the CLI runs here.
    const plays = await ivc(["channel", "plays", code, channelCode!]);
    expect(plays.code, plays.stderr).toBe(0);
    expect(plays.stdout).toContain(`plays of ${code}_${channelCode}`);
    expect(plays.stdout).toMatch(/ms\s+first-byte/);
  }, 90_000);

  it("device add-rtmp prints the push URL", async () => {
    const run = await ivc(["device", "add-rtmp", "--name", "推流设备"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/push URL\s+rtmp:\/\/[^/]+\/live\/\d{20}/);
  });

  it("a refusal of a short form names the call and its StatusCode", async () => {
    const run = await ivc(["channel", "live", "00000000-0000-4000-8000-000000000000"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/POST \/ivc\/cms\/control\/stream refused: StatusCode \d+/);
  });
});
