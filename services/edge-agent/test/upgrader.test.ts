import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GatewayUpgradeState } from "@ivc/bus";
import { createLogger } from "@ivc/runtime";
import { encodeBundle, type BundleService } from "../src/release/bundle-format.js";
import { ServiceTree } from "../src/upgrade/service-tree.js";
import { UpgradeInProgressError, Upgrader } from "../src/upgrade/upgrader.js";
import { VersionStore } from "../src/upgrade/version-store.js";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** A tiny box service: answers /healthz with its version, or crashes at start when told to. */
function serviceScript(version: string, crash: boolean): Buffer {
  return Buffer.from(
    crash
      ? `console.error("svc ${version} refuses to start"); process.exit(3);\n`
      : `require("node:http").createServer((req, res) => { res.writeHead(200); res.end(JSON.stringify({ version: "${version}", pid: process.pid })); })` +
          `.listen(Number(process.env.PORT), "127.0.0.1");\nprocess.on("SIGTERM", () => process.exit(0));\n`,
  );
}

interface Box {
  root: string;
  store: VersionStore;
  tree: ServiceTree;
  upgrader: Upgrader;
  statuses: GatewayUpgradeState[];
  ports: { a: number; b: number };
}

const logger = createLogger("edge-agent", "silent");
let work: string;
let releaseKey: { privateKey: KeyObject; publicKey: KeyObject };
let box: Box;

function bundleFor(version: string, opts: { crashB?: boolean; key?: KeyObject; agentVersion?: string } = {}): string {
  const services: Record<string, BundleService> = {
    "svc-a": { version, main: "svc-a/main.cjs", healthPort: box.ports.a, healthPortEnv: "PORT" },
    "svc-b": { version, main: "svc-b/main.cjs", healthPort: box.ports.b, healthPortEnv: "PORT" },
    "edge-agent": { version: opts.agentVersion ?? "0.1.0", main: "edge-agent/main.cjs", healthPort: 1 },
  };
  const files = [
    { path: "edge-agent/main.cjs", data: Buffer.from("// the agent itself is not run by the tree\n") },
    { path: "svc-a/main.cjs", data: serviceScript(version, false) },
    { path: "svc-b/main.cjs", data: serviceScript(version, opts.crashB ?? false) },
  ];
  const bytes = encodeBundle({ version, services }, files, opts.key ?? releaseKey.privateKey);
  const path = join(work, `bundle-${version}-${Math.random().toString(36).slice(2)}.ivcb`);
  writeFileSync(path, bytes);
  return path;
}

async function versionServed(port: number): Promise<{ version: string; pid: number }> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return (await res.json()) as { version: string; pid: number };
}

beforeEach(async () => {
  work = mkdtempSync(join(tmpdir(), "edge-upgrade-"));
  releaseKey = generateKeyPairSync("ed25519");
  const root = join(work, "box");
  const store = new VersionStore(root);
  const tree = new ServiceTree({ baseDir: store.currentLink, env: { PATH: process.env.PATH }, logger, restartDelayMs: () => 100, stopGraceMs: 2000 });
  const statuses: GatewayUpgradeState[] = [];
  const upgrader = new Upgrader({
    store,
    tree,
    releasePublicKey: releaseKey.publicKey,
    logger,
    selfName: "edge-agent",
    healthTimeoutMs: 3000,
    settleMs: 300,
    maxBundleBytes: 10 * 1024 * 1024,
    downloadTimeoutMs: 5000,
    onStatus: (s) => statuses.push(s),
  });
  box = { root, store, tree, upgrader, statuses, ports: { a: await freePort(), b: await freePort() } };
  const first = await upgrader.begin("1.0.0", bundleFor("1.0.0"));
  expect(first).toMatchObject({ state: "succeeded", current: "1.0.0" });
});

afterEach(async () => {
  await box.tree.stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe("Upgrader on a real process tree", () => {
  it("moves every service to the new version with a good bundle", async () => {
    const before = await versionServed(box.ports.a);
    const outcome = await box.upgrader.begin("2.0.0", bundleFor("2.0.0"));
    expect(outcome).toMatchObject({ state: "succeeded", version: "2.0.0", current: "2.0.0" });
    expect(readlinkSync(box.store.currentLink)).toBe("versions/2.0.0");
    const a = await versionServed(box.ports.a);
    const b = await versionServed(box.ports.b);
    expect([a.version, b.version]).toEqual(["2.0.0", "2.0.0"]);
    expect(a.pid).not.toBe(before.pid);
    expect(box.statuses.slice(-6).map((s) => s.state)).toEqual(["downloading", "verifying", "installing", "switching", "health-check", "succeeded"]);
  });

  it("serves the bundle over http as well as from a path", async () => {
    const path = bundleFor("2.1.0");
    const { createServer: createHttp } = await import("node:http");
    const server = createHttp((_req, res) => res.end(readFileSync(path)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = address && typeof address === "object" ? address.port : 0;
    try {
      const outcome = await box.upgrader.begin("2.1.0", `http://127.0.0.1:${port}/bundle.ivcb`);
      expect(outcome.state).toBe("succeeded");
      expect((await versionServed(box.ports.b)).version).toBe("2.1.0");
    } finally {
      server.close();
    }
  });

  it("refuses a bundle signed by another key and leaves the old version running", async () => {
    const before = await versionServed(box.ports.a);
    const outcome = await box.upgrader.begin("2.0.0", bundleFor("2.0.0", { key: generateKeyPairSync("ed25519").privateKey }));
    expect(outcome).toMatchObject({ state: "failed", current: "1.0.0" });
    expect(outcome.reason).toMatch(/bad signature/);
    expect(readlinkSync(box.store.currentLink)).toBe("versions/1.0.0");
    expect(await versionServed(box.ports.a)).toEqual(before);
  });

  it("refuses a bundle whose file does not match its digest", async () => {
    const path = bundleFor("2.0.0");
    const bytes = readFileSync(path);
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0xff;
    writeFileSync(path, bytes);
    const outcome = await box.upgrader.begin("2.0.0", path);
    expect(outcome).toMatchObject({ state: "failed", current: "1.0.0" });
    expect(outcome.reason).toMatch(/bad digest: svc-b\/main.cjs/);
    expect((await versionServed(box.ports.b)).version).toBe("1.0.0");
  });

  it("rolls back to the old version when a service fails its health check", async () => {
    const outcome = await box.upgrader.begin("2.0.0", bundleFor("2.0.0", { crashB: true }));
    expect(outcome).toMatchObject({ state: "rolled-back", version: "2.0.0", current: "1.0.0" });
    expect(outcome.reason).toMatch(/svc-b crashed during the health check \(exit code 3\)/);
    expect(readlinkSync(box.store.currentLink)).toBe("versions/1.0.0");
    expect((await versionServed(box.ports.a)).version).toBe("1.0.0");
    expect((await versionServed(box.ports.b)).version).toBe("1.0.0");
    expect(box.statuses.at(-1)?.state).toBe("rolled-back");
  });

  it("answers upgrade_in_progress while an upgrade runs", async () => {
    const running = box.upgrader.begin("2.0.0", bundleFor("2.0.0"));
    expect(() => box.upgrader.begin("3.0.0", bundleFor("3.0.0"))).toThrow(UpgradeInProgressError);
    expect((await running).state).toBe("succeeded");
  });

  it("asks the agent to restart itself when the bundle changes the agent's version", async () => {
    let selfChanged = 0;
    const upgrader = new Upgrader({
      store: box.store,
      tree: box.tree,
      releasePublicKey: releaseKey.publicKey,
      logger,
      selfName: "edge-agent",
      healthTimeoutMs: 3000,
      settleMs: 100,
      maxBundleBytes: 1 << 20,
      downloadTimeoutMs: 1000,
      onStatus: () => undefined,
      onSelfChanged: () => (selfChanged += 1),
    });
    expect((await upgrader.begin("2.0.0", bundleFor("2.0.0", { agentVersion: "0.2.0" }))).state).toBe("succeeded");
    expect(selfChanged).toBe(1);
    expect(JSON.parse(readFileSync(join(box.root, "pending-self.json"), "utf8"))).toEqual({ previous: "1.0.0", version: "2.0.0", attempts: 0 });
  });

  it("switches back when a new agent does not start three times (ivc-edge-guard), and reports it", async () => {
    await box.store.install({ manifest: { format: 1, version: "2.0.0", createdAt: 0, services: {}, files: [] }, files: [] });
    await box.store.switchTo("2.0.0");
    await box.store.markSelfPending("1.0.0", "2.0.0");
    const guard = fileURLToPath(new URL("../../../deploy/edge/ivc-edge-guard.mjs", import.meta.url));
    for (let start = 1; start <= 3; start++) {
      execFileSync(process.execPath, [guard, box.root], { stdio: "ignore" });
      expect(readlinkSync(box.store.currentLink)).toBe("versions/2.0.0");
    }
    execFileSync(process.execPath, [guard, box.root], { stdio: "ignore" });
    expect(readlinkSync(box.store.currentLink)).toBe("versions/1.0.0");
    await box.tree.stopAll();
    const restarted = await box.upgrader.startInstalled();
    expect(restarted).toBe("1.0.0");
    expect(box.upgrader.state).toMatchObject({ state: "rolled-back", version: "2.0.0", current: "1.0.0", reason: expect.stringContaining("did not stay up") });
  });

  it("leaves a committed agent alone", async () => {
    await box.store.markSelfPending("0.9.0", "1.0.0");
    await box.store.commitSelfPending();
    const guard = fileURLToPath(new URL("../../../deploy/edge/ivc-edge-guard.mjs", import.meta.url));
    for (let start = 1; start <= 4; start++) execFileSync(process.execPath, [guard, box.root], { stdio: "ignore" });
    expect(readlinkSync(box.store.currentLink)).toBe("versions/1.0.0");
  });
});
