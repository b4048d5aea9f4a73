import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, statSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { gatewayHeartbeat, gatewayRevoked, gatewayUpgrade, gatewayUpgradeStatus, isBusError, type Bus, type GatewayReport } from "@ivc/bus";
import { ServiceTree } from "../src/upgrade/service-tree.js";
import { Upgrader } from "../src/upgrade/upgrader.js";
import { VersionStore } from "../src/upgrade/version-store.js";
import { connectBus, FakePlatform, logger, makeBox, type TestBox } from "./support/platform.js";

let bus: Bus;
let closeBus: () => Promise<void>;
let platform: FakePlatform;
let activation: { unsubscribe(): void };
const boxes: TestBox[] = [];

async function box(key: string | undefined, stateDir?: string): Promise<TestBox> {
  const b = await makeBox(bus, key, stateDir);
  boxes.push(b);
  return b;
}

function nextEvent<T>(subscribe: (handler: (e: T) => void) => { unsubscribe(): void }, match: (e: T) => boolean, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(new Error("no matching event"));
    }, timeoutMs);
    const sub = subscribe((e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      sub.unsubscribe();
      resolve(e);
    });
  });
}

beforeAll(async () => {
  ({ bus, close: closeBus } = await connectBus("edge-agent-test"));
  platform = new FakePlatform(bus);
  activation = platform.answerActivation();
});

afterEach(async () => {
  for (const b of boxes.splice(0)) await b.agent.close();
});

afterAll(async () => {
  activation.unsubscribe();
  await closeBus();
});

describe("GatewayAgent activation", () => {
  it("activates with a good key and stores the identity with mode 0600", async () => {
    const b = await box(platform.issueKey());
    const state = await b.agent.start();
    expect(state.kind).toBe("activated");
    const stored = await b.identity.read();
    expect(stored?.gwId).toMatch(/^[0-9a-f]{32}$/);
    expect(stored?.credentials.token.length).toBeGreaterThanOrEqual(16);
    expect(statSync(join(b.stateDir, "identity.json")).mode & 0o777).toBe(0o600);
  });

  it("keeps retrying while no platform answers, and close() ends a retry wait at once", async () => {
    activation.unsubscribe();
    try {
      const b = await box(platform.issueKey());
      let settled = false;
      const starting = b.agent.start().finally(() => (settled = true));
      // Retries 200, 400, 800, 1600 ms apart: by now it waits 3.2 s before the next one.
      await new Promise((r) => setTimeout(r, 3300));
      expect(settled).toBe(false);
      await b.agent.close();
      const state = await Promise.race([starting, new Promise<"still waiting">((r) => setTimeout(() => r("still waiting"), 1500))]);
      expect(state).not.toBe("still waiting");
      expect(b.agent.state.kind).not.toBe("activated");
    } finally {
      activation = platform.answerActivation();
    }
  });

  it("skips activation when an identity is stored, even with the key gone", async () => {
    const first = await box(platform.issueKey());
    await first.agent.start();
    await first.agent.close();
    const again = await box(undefined, first.stateDir);
    const state = await again.agent.start();
    expect(state.kind === "activated" && state.identity.gwId).toBe((await first.identity.read())?.gwId);
  });

  it("stays not activated with one clear reason when GATEWAY_KEY is missing", async () => {
    const b = await box(undefined);
    expect(await b.agent.start()).toEqual({ kind: "not-activated", reason: "not activated: set GATEWAY_KEY" });
  });

  it("is refused with 41631 for a wrong key and for a key already used", async () => {
    const wrong = await box("key-nobody-issued-this");
    expect(await wrong.agent.start()).toMatchObject({ kind: "not-activated", reason: expect.stringContaining("41631") });
    const key = platform.issueKey();
    await (await box(key)).agent.start();
    const reused = await box(key);
    expect(await reused.agent.start()).toMatchObject({ kind: "not-activated", reason: expect.stringContaining("41631") });
  });

  it("is refused with 41632 when the same box activates again with a new key", async () => {
    const first = await box(platform.issueKey());
    await first.agent.start();
    await first.agent.close();
    await first.identity.revoke({ gwId: "lostidentity1", keyHash: "x", at: Date.now() });
    const again = await box(platform.issueKey(), first.stateDir);
    expect(await again.agent.start()).toMatchObject({ kind: "not-activated", reason: expect.stringContaining("41632") });
  });
});

describe("GatewayAgent heartbeat and revocation", () => {
  it("heartbeats the monitor figures of its devices, channels and pushed bytes", async () => {
    const b = await box(platform.issueKey());
    await b.registry.put({
      id: "dev-a",
      name: "door",
      protocolType: 1,
      type: 1,
      ip: "127.0.0.1",
      port: 80,
      user: "",
      password: "",
      rtspPort: 554,
      onvif: false,
      online: true,
      channels: [
        { channelId: "dev-a-1", name: "door 1", online: true, ptz: false },
        { channelId: "dev-a-2", name: "door 2", online: false, ptz: false },
      ],
    });
    await b.registry.put({ id: "dev-b", name: "till", protocolType: 4, type: 1, ip: "127.0.0.2", port: 80, user: "", password: "", rtspPort: 554, onvif: true, online: false, channels: [] });
    const state = await b.agent.start();
    if (state.kind !== "activated") throw new Error("not activated");
    b.meter.add(125_000);
    const beat = await nextEvent<GatewayReport<typeof gatewayHeartbeat.schema>>(
      (h) => bus.subscribe(gatewayHeartbeat, h),
      (e) => e.gwId === state.identity.gwId && e.upFlowKbps > 0,
    );
    expect(beat.devices).toEqual({ total: 2, online: 1, offline: 1 });
    expect(beat.channels).toEqual({ total: 2, online: 1, offline: 1 });
    expect(beat.versions).toEqual({ "edge-agent": "0.1.0" });
    // 125 kB = 1000 kbit within one interval of at most a few hundred ms: several thousand kbps.
    expect(beat.upFlowKbps).toBeGreaterThan(1000);
    expect(beat.sig).toMatch(/^[0-9a-f]{64}$/);
    expect(platform.signedByBox(gatewayHeartbeat, beat)).toBe(true);
    expect(platform.signedByBox(gatewayHeartbeat, { ...beat, upFlowKbps: beat.upFlowKbps + 1 })).toBe(false);
  });

  it("wipes its identity on revocation, stops heartbeating, and refuses the spent key", async () => {
    const key = platform.issueKey();
    const b = await box(key);
    const state = await b.agent.start();
    if (state.kind !== "activated") throw new Error("not activated");
    bus.publish(gatewayRevoked, { gwId: "someoneelse1", at: Date.now() });
    await new Promise((r) => setTimeout(r, 200));
    expect(b.agent.state.kind).toBe("activated");
    bus.publish(gatewayRevoked, { gwId: state.identity.gwId, reason: "gateway deleted", at: Date.now() });
    await expect.poll(() => b.agent.state.kind).toBe("revoked");
    await expect.poll(() => b.identity.read()).toBeUndefined();
    let beats = 0;
    const sub = bus.subscribe(gatewayHeartbeat, (e) => {
      if (e.gwId === state.identity.gwId) beats += 1;
    });
    await new Promise((r) => setTimeout(r, 800));
    sub.unsubscribe();
    expect(beats).toBe(0);
    const restarted = await box(key, b.stateDir);
    expect(await restarted.agent.start()).toMatchObject({ kind: "not-activated", reason: expect.stringContaining("revoked; set a new GATEWAY_KEY") });
  });
});

describe("GatewayAgent upgrade requests", () => {
  it("accepts an upgrade at once, reports its states, and answers upgrade_in_progress meanwhile", async () => {
    // A slow download keeps the first upgrade running; its body is not a bundle, so it fails.
    const server = createServer((_req, res) => setTimeout(() => res.end("not a bundle"), 700));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/edge-2.0.0.ivcb`;
    const store = new VersionStore(mkdtempSync(join(tmpdir(), "edge-rel-")));
    const upgrader = new Upgrader({
      store,
      tree: new ServiceTree({ baseDir: store.currentLink, env: {}, logger }),
      releasePublicKey: generateKeyPairSync("ed25519").publicKey,
      logger,
      selfName: "edge-agent",
      healthTimeoutMs: 1000,
      settleMs: 100,
      maxBundleBytes: 1 << 20,
      downloadTimeoutMs: 5000,
      onStatus: (s) => b.agent.publishUpgradeStatus(s),
    });
    const b = await makeBox(bus, platform.issueKey(), undefined, upgrader);
    boxes.push(b);
    const state = await b.agent.start();
    if (state.kind !== "activated") throw new Error("not activated");
    const gwId = state.identity.gwId;
    const seen: string[] = [];
    const failed = nextEvent<GatewayReport<typeof gatewayUpgradeStatus.schema>>(
      (h) => bus.subscribe(gatewayUpgradeStatus, h),
      (e) => e.gwId === gwId && (seen.push(platform.signedByBox(gatewayUpgradeStatus, e) ? e.state : `${e.state} (unsigned)`), e.state === "failed"),
    );
    try {
      expect(await bus.request(gatewayUpgrade, { gwId }, { version: "2.0.0", bundleUrl: url })).toEqual({ accepted: true });
      const busy = await bus.request(gatewayUpgrade, { gwId }, { version: "2.0.0", bundleUrl: url }).catch((e: unknown) => e);
      expect(isBusError(busy, "remote") && busy.remoteCode).toBe("upgrade_in_progress");
      expect((await failed).reason).toBe("not a bundle (bad magic)");
      expect(seen).toEqual(["downloading", "verifying", "failed"]);
    } finally {
      server.close();
    }
  });
});
