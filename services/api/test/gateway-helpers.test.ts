import { describe, expect, it } from "vitest";
import { gatewayErrorDef } from "../src/bus/gateway-control.js";
import { sweepIntervalMs } from "../src/bus/gateway-subscriptions.js";
import { parseTtl } from "../src/cli/gateway-commands.js";
import { readManifestSummary } from "../src/releases/bundle-manifest.js";
import { checkBundleSignature, signedBundleUrl } from "../src/releases/bundle-url.js";
import { serviceVersions, upgradeRunning } from "../src/store/gateway-versions.js";
import { ruleAbidingName } from "../src/store/gateway-names.js";
import { activationTime } from "../src/store/gateways.js";
import { buildTestBundle, releaseKeyPair } from "./support/release-bundle.js";

describe("ruleAbidingName", () => {
  it("replaces characters outside the name rule, trims dashes and cuts to 32 characters", () => {
    expect(ruleAbidingName("store a.local", "x")).toBe("store-a-local");
    expect(ruleAbidingName("A店铺 网关", "x")).toBe("A店铺-网关");
    expect(ruleAbidingName("..", "gw-fallback")).toBe("gw-fallback");
    expect([...ruleAbidingName("店".repeat(40), "x")]).toHaveLength(32);
  });
});

describe("serviceVersions (G6)", () => {
  const release = { version: "2.0.0", services: { "edge-agent": "2.0.0", media: "1.1.0" }, notes: "notes" };

  it("lists installed and released services, with IsUpdate when they differ and the notes as UpgradeInfo", () => {
    expect(serviceVersions({ "edge-agent": "1.0.0", nats: "2.10" }, release, null)).toEqual([
      { Name: "edge-agent", Version: "1.0.0", LatestVersion: "2.0.0", IsUpdate: true, UpgradeInfo: "notes" },
      { Name: "media", Version: "", LatestVersion: "1.1.0", IsUpdate: true, UpgradeInfo: "notes" },
      { Name: "nats", Version: "2.10", LatestVersion: "2.10", IsUpdate: false, UpgradeInfo: "" },
    ]);
  });

  it("shows a running upgrade's stage and a failed one's reason instead of the notes", () => {
    const running = serviceVersions({ "edge-agent": "1.0.0" }, release, { state: "health-check", version: "2.0.0", at: 1 });
    expect(running[0]?.UpgradeInfo).toBe("upgrading to 2.0.0: health-check");
    const failed = serviceVersions({ "edge-agent": "1.0.0" }, release, { state: "failed", version: "2.0.0", reason: "crash loop", at: 1 });
    expect(failed[0]?.UpgradeInfo).toBe("upgrade to 2.0.0 failed: crash loop");
    const olderFailure = serviceVersions({ "edge-agent": "1.0.0" }, release, { state: "rolled-back", version: "1.5.0", at: 1 });
    expect(olderFailure[0]?.UpgradeInfo).toBe("notes");
  });

  it("without a published release, every service is its own latest version", () => {
    expect(serviceVersions({ "edge-agent": "1.0.0" }, undefined, null)).toEqual([{ Name: "edge-agent", Version: "1.0.0", LatestVersion: "1.0.0", IsUpdate: false, UpgradeInfo: "" }]);
  });

  it("treats only the in-flight states as running", () => {
    expect(["downloading", "verifying", "installing", "switching", "health-check"].every((state) => upgradeRunning({ state, at: 0 }))).toBe(true);
    expect(["idle", "succeeded", "rolled-back", "failed"].some((state) => upgradeRunning({ state, at: 0 }))).toBe(false);
    expect(upgradeRunning(null)).toBe(false);
  });
});

describe("signed bundle URLs", () => {
  const gateway = { gwId: "h3HRECtISGGnsPjxoYW1mEc2NjMhd1Ur", tokenHash: "f".repeat(64) };

  it("verify for the gateway, version and expiry they were made for only", () => {
    const url = new URL(signedBundleUrl("https://ivc.example:8443/", "1.2.3+b4", gateway, 2000));
    expect(url.pathname).toBe("/ivc/releases/1.2.3%2Bb4.bundle");
    const signature = url.searchParams.get("Signature") ?? "";
    expect(checkBundleSignature("1.2.3+b4", gateway, 2000, signature, 1999)).toEqual({ ok: true });
    expect(checkBundleSignature("1.2.3+b4", gateway, 2000, signature, 2001)).toEqual({ ok: false, reason: "expired" });
    expect(checkBundleSignature("1.2.4", gateway, 2000, signature, 1999)).toEqual({ ok: false, reason: "bad-signature" });
    expect(checkBundleSignature("1.2.3+b4", { ...gateway, tokenHash: "e".repeat(64) }, 2000, signature, 1999)).toEqual({ ok: false, reason: "bad-signature" });
    expect(checkBundleSignature("1.2.3+b4", gateway, 2001, signature, 1999)).toEqual({ ok: false, reason: "bad-signature" });
  });
});

describe("readManifestSummary", () => {
  it("reads version, service versions and notes of a bundle", () => {
    const bundle = buildTestBundle("1.0.0", { "edge-agent": "0.1.0" }, releaseKeyPair().privateKey, "first");
    expect(readManifestSummary(bundle)).toEqual({ ok: true, value: { version: "1.0.0", services: { "edge-agent": "0.1.0" }, notes: "first" } });
  });

  it("refuses what is not a bundle without throwing", () => {
    expect(readManifestSummary(Buffer.from("hello"))).toMatchObject({ ok: false });
    const header = Buffer.concat([Buffer.from("IVCBNDL1"), Buffer.from([0xff, 0xff, 0xff, 0xff])]);
    expect(readManifestSummary(header)).toMatchObject({ ok: false, reason: expect.stringContaining("length") });
    const notJson = Buffer.concat([Buffer.from("IVCBNDL1"), Buffer.from([0, 0, 0, 2]), Buffer.from("{x")]);
    expect(readManifestSummary(notJson)).toMatchObject({ ok: false, reason: "manifest is not JSON" });
  });
});

describe("small rules", () => {
  it("parseTtl takes s/m/h/d up to 30 days", () => {
    expect(parseTtl("90")).toBe(90_000);
    expect(parseTtl("30m")).toBe(1_800_000);
    expect(parseTtl("24h")).toBe(86_400_000);
    expect(parseTtl("30d")).toBe(30 * 86_400_000);
    expect(parseTtl("31d")).toBeUndefined();
    expect(parseTtl("0h")).toBeUndefined();
    expect(parseTtl("1w")).toBeUndefined();
  });

  it("maps box error codes to table entries, unknown ones to 51603", () => {
    expect(gatewayErrorDef(42205).statusCode).toBe(42205);
    expect(gatewayErrorDef(41629).message).toBe("无效的网关接入协议");
    expect(gatewayErrorDef(99999).statusCode).toBe(51603);
  });

  it("prints activation time as ISO-8601 without fraction or zone, and sweeps three times per window", () => {
    expect(activationTime(new Date("2022-09-22T09:22:23.456Z"))).toBe("2022-09-22T09:22:23");
    expect(sweepIntervalMs(15_000)).toBe(5000);
  });
});
