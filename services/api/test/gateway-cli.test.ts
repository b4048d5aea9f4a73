import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseArgs } from "../src/cli/args.js";
import { runCommand } from "../src/cli/commands.js";
import { gatewayCommandEnv, runGatewayCommand } from "../src/cli/gateway-commands.js";
import type { GatewayCommandEnv } from "../src/cli/gateway-commands.js";
import { signedBundleUrl } from "../src/releases/bundle-url.js";
import { registerReleaseDownload } from "../src/routes/release-download.js";
import { activateGateway } from "../src/store/gateway-activation.js";
import { findGatewayByGwId } from "../src/store/gateways.js";
import { latestRelease } from "../src/store/releases.js";
import { createHarness, testNode } from "./support/harness.js";
import type { Harness } from "./support/harness.js";
import { createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";
import { buildTestBundle, releaseKeyPair } from "./support/release-bundle.js";

let testDb: TestDatabase;
let h: Harness;
let varDir: string;
let env: GatewayCommandEnv;
let download: FastifyInstance;
const releaseKey = releaseKeyPair();

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database);
  varDir = await mkdtemp(join(tmpdir(), "ivc-api-releases-"));
  const pubPath = join(varDir, "release.pub");
  await writeFile(pubPath, releaseKey.publicKeyPem);
  env = { ...gatewayCommandEnv({}), releasePublicKey: pubPath, varDir };
  download = Fastify();
  registerReleaseDownload(download, { db: testDb.database.db, releasesDir: join(varDir, "releases"), nowSeconds: () => Math.floor(Date.now() / 1000) });
  await download.ready();
});
afterAll(async () => {
  await download?.close();
  await h?.app.close();
  await testDb?.drop();
  if (varDir) await rm(varDir, { recursive: true, force: true });
});

function cli(...argv: string[]) {
  const args = parseArgs(argv);
  if (!args.ok) throw new Error(args.reason);
  return runCommand(h.keyDeps, args.value);
}

async function publish(bundle: Buffer, commandEnv = env) {
  const path = join(varDir, `in-${randomBytes(4).toString("hex")}.ivcb`);
  await writeFile(path, bundle);
  const args = parseArgs(["release", "publish", path]);
  if (!args.ok) throw new Error(args.reason);
  return runGatewayCommand(testDb.database.db, args.value, commandEnv);
}

async function activatedWith(key: string) {
  const result = await activateGateway(testDb.database.db, key, { hostname: "box", machineId: `m-${randomBytes(8).toString("hex")}`, versions: {} });
  if (!result.ok) throw new Error(result.reason);
  return result.value;
}

describe("ivc gateway key create", () => {
  it("prints a single-use key for the account and node that activates once", async () => {
    const result = await cli("gateway", "key", "create", "--cluster", testNode.id, "--app", h.alice.appId, "--ttl", "2h");
    if (!result.ok) throw new Error(result.reason);
    const printed = JSON.parse(result.lines[0] ?? "") as { GatewayKey: string; AppId: string; ClusterId: string; ExpiresAt: string };
    expect(printed).toMatchObject({ AppId: h.alice.appId, ClusterId: testNode.id });
    expect(Math.abs(Date.parse(printed.ExpiresAt) - Date.now() - 2 * 3_600_000)).toBeLessThan(60_000);
    const stored = await testDb.database.db.execute(`select key_hash from gateway_keys`);
    expect(JSON.stringify(stored)).not.toContain(printed.GatewayKey);
    const gateway = await activatedWith(printed.GatewayKey);
    expect(gateway.clusterId).toBe(testNode.id);
    const again = await activateGateway(testDb.database.db, printed.GatewayKey, { hostname: "box", machineId: `m-${randomBytes(8).toString("hex")}`, versions: {} });
    expect(again).toMatchObject({ ok: false, code: "gateway_already_activated" });
  });

  it("refuses a missing cluster, an unknown cluster or account, and a bad ttl", async () => {
    expect(await cli("gateway", "key", "create", "--app", h.alice.appId)).toMatchObject({ ok: false, reason: expect.stringContaining("--cluster") });
    expect(await cli("gateway", "key", "create", "--cluster", "4169d92e-0000-4c16-ac7e-d313abdd0790", "--app", h.alice.appId)).toMatchObject({ ok: false });
    expect(await cli("gateway", "key", "create", "--cluster", testNode.id, "--app", "999999")).toMatchObject({ ok: false });
    expect(await cli("gateway", "key", "create", "--cluster", testNode.id, "--app", h.alice.appId, "--ttl", "forever")).toMatchObject({ ok: false, reason: expect.stringContaining("--ttl") });
    expect(await cli("gateway", "key", "create", "--cluster", testNode.id, "--app", h.alice.appId, "--ttl", "31d")).toMatchObject({ ok: false });
  });
});

describe("ivc release publish", () => {
  it("verifies and stores a bundle, which becomes the latest release (key given as a path or as base64)", async () => {
    const bundle = buildTestBundle("1.1.0", { "edge-agent": "1.1.0" }, releaseKey.privateKey, "faster PTZ");
    const result = await publish(bundle);
    expect(result).toMatchObject({ ok: true });
    expect(await latestRelease(testDb.database.db)).toMatchObject({ version: "1.1.0", services: { "edge-agent": "1.1.0" }, notes: "faster PTZ", file: "1.1.0.ivcb", size: bundle.length });
    expect((await readFile(join(varDir, "releases", "1.1.0.ivcb"))).equals(bundle)).toBe(true);

    const base64Env = { ...env, releasePublicKey: Buffer.from(releaseKey.publicKeyPem).toString("base64") };
    expect(await publish(buildTestBundle("1.2.0", { "edge-agent": "1.2.0" }, releaseKey.privateKey), base64Env)).toMatchObject({ ok: true });
    expect((await latestRelease(testDb.database.db))?.version).toBe("1.2.0");
  });

  it("refuses a bundle signed by another key, and other bytes under a published version", async () => {
    const stranger = releaseKeyPair();
    const forged = await publish(buildTestBundle("6.6.6", { "edge-agent": "6.6.6" }, stranger.privateKey));
    expect(forged).toMatchObject({ ok: false, reason: expect.stringContaining("bad signature") });
    expect(existsSync(join(varDir, "releases", "6.6.6.ivcb"))).toBe(false);

    expect(await publish(buildTestBundle("1.3.0", { "edge-agent": "1.3.0" }, releaseKey.privateKey, "one"))).toMatchObject({ ok: true });
    const changed = await publish(buildTestBundle("1.3.0", { "edge-agent": "1.3.0" }, releaseKey.privateKey, "two"));
    expect(changed).toMatchObject({ ok: false, reason: expect.stringContaining("already published") });
  });

  it("refuses without IVC_RELEASE_PUBLIC_KEY", async () => {
    const result = await publish(buildTestBundle("1.4.0", {}, releaseKey.privateKey), { ...env, releasePublicKey: undefined });
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining("IVC_RELEASE_PUBLIC_KEY") });
  });
});

describe("GET /ivc/releases/<version>.bundle", () => {
  it("serves the bundle to the gateway whose signed URL it is, until it expires or the gateway is deleted", async () => {
    const bundle = buildTestBundle("2.5.0", { "edge-agent": "2.5.0" }, releaseKey.privateKey);
    expect(await publish(bundle)).toMatchObject({ ok: true });
    const printed = await cli("gateway", "key", "create", "--cluster", testNode.id, "--app", h.alice.appId);
    if (!printed.ok) throw new Error(printed.reason);
    const activated = await activatedWith((JSON.parse(printed.lines[0] ?? "") as { GatewayKey: string }).GatewayKey);
    const gateway = await findGatewayByGwId(testDb.database.db, activated.gwId);
    if (!gateway) throw new Error("no gateway");
    const now = Math.floor(Date.now() / 1000);
    const pathOf = (url: string) => {
      const u = new URL(url);
      return `${u.pathname}${u.search}`;
    };
    const good = pathOf(signedBundleUrl("http://api.test", "2.5.0", gateway, now + 60));

    const ok = await download.inject({ method: "GET", url: good });
    expect(ok.statusCode).toBe(200);
    expect(ok.rawPayload.equals(bundle)).toBe(true);

    const tampered = good.replace(/Signature=([0-9a-f])/, (_m, c: string) => `Signature=${c === "0" ? "1" : "0"}`);
    expect((await download.inject({ method: "GET", url: tampered })).json()).toMatchObject({ StatusCode: 42503 });
    const otherVersion = good.replace("2.5.0.bundle", "1.1.0.bundle");
    expect((await download.inject({ method: "GET", url: otherVersion })).statusCode).toBe(403);
    const expired = await download.inject({ method: "GET", url: pathOf(signedBundleUrl("http://api.test", "2.5.0", gateway, now - 1)) });
    expect(expired.statusCode).toBe(403);
    expect(expired.json()).toMatchObject({ StatusCode: 42504 });
    expect((await download.inject({ method: "GET", url: "/ivc/releases/2.5.0.bundle" })).statusCode).toBe(403);

    expect((await h.call(h.alice, "DELETE", `/ivc/cms/gateway/delete?Id=${activated.id}`)).env.StatusCode).toBe(200);
    expect((await download.inject({ method: "GET", url: good })).statusCode).toBe(403);
  });
});
