import { describe, expect, it } from "vitest";
import { canonicalJson, gatewayDevices, gatewayHeartbeat, gatewayReportMessage, gatewayReportSigned, gatewayUpgradeStatus, hashGatewaySecret, signGatewayReport } from "@ivc/bus";

// Pinned values were computed outside this code (Python: hashlib, hmac, json.dumps with
// sort_keys and compact separators), so the helpers are checked against an independent reading
// of the scheme in contracts/gateway.ts.

const TOKEN = "tok-0123456789abcdef";
const TOKEN_HASH = "6db3068996ff396f601ae0dcf903f6a970c685767d75e325d0cd88103779f2f0";

const heartbeat = () => ({
  gwId: "h3HRECtISGGnsPjxoYW1mEc2NjMhd1Ur",
  upFlowKbps: 512,
  devices: { total: 2, online: 1, offline: 1 },
  channels: { total: 3, online: 2, offline: 1 },
  versions: { "edge-agent": "1.4.0" },
  upgrade: { state: "idle" as const, current: "1.4.0", at: 1_700_000_000_000 },
  at: 1_700_000_005_000,
});
const CANONICAL =
  '{"at":1700000005000,"channels":{"offline":1,"online":2,"total":3},"devices":{"offline":1,"online":1,"total":2},"gwId":"h3HRECtISGGnsPjxoYW1mEc2NjMhd1Ur","upFlowKbps":512,"upgrade":{"at":1700000000000,"current":"1.4.0","state":"idle"},"versions":{"edge-agent":"1.4.0"}}';
const DIGEST = "70bcb99d66d092ac45437a7b768dc6513f30272da3792d1f026a245a9be830ab";
const SIG = "2c25903ad6737f18454e912173aef8851306527fa5cc3b8fdd6a903038a0c73e";

describe("hashGatewaySecret", () => {
  it("is the hex SHA-256 of the UTF-8 bytes (FIPS 180-2 'abc' vector)", () => {
    expect(hashGatewaySecret("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(hashGatewaySecret(TOKEN)).toBe(TOKEN_HASH);
  });
});

describe("canonicalJson", () => {
  it("sorts keys at every level, keeps array order and leaves out undefined members", () => {
    expect(canonicalJson({ b: 1, a: [{ d: undefined, c: "x" }, 2], e: undefined, "é": null })).toBe('{"a":[{"c":"x"},2],"b":1,"é":null}');
    expect(canonicalJson(heartbeat())).toBe(CANONICAL);
  });
});

describe("gateway report signatures", () => {
  it("signs a heartbeat as pinned: message = label, report name, gwId, at, digest of the report", () => {
    const report = heartbeat();
    expect(gatewayReportMessage(gatewayHeartbeat, report)).toBe(`ivc-gateway-report-v1\ngateway.heartbeat\n${report.gwId}\n${report.at}\n${DIGEST}`);
    const signed = signGatewayReport(gatewayHeartbeat, TOKEN_HASH, report);
    expect(signed).toEqual({ ...report, sig: SIG });
    expect(gatewayReportSigned(gatewayHeartbeat, TOKEN_HASH, signed)).toBe(true);
  });

  it("signs what the schema parses: a field outside the schema is dropped, not signed", () => {
    const extra = { ...heartbeat(), note: "not in the contract" };
    const signed = signGatewayReport(gatewayHeartbeat, TOKEN_HASH, extra);
    expect(signed).not.toHaveProperty("note");
    expect(signed.sig).toBe(SIG);
  });

  it("breaks when any field, the report name or the key changes", () => {
    const signed = signGatewayReport(gatewayHeartbeat, TOKEN_HASH, heartbeat());
    expect(gatewayReportSigned(gatewayHeartbeat, TOKEN_HASH, signed)).toBe(true);
    const tampered = [
      { ...signed, gwId: "h3HRECtISGGnsPjxoYW1mEc2NjMhd1Us" },
      { ...signed, at: signed.at + 1 },
      { ...signed, upFlowKbps: 513 },
      { ...signed, devices: { ...signed.devices, online: 2, offline: 0 } },
      { ...signed, versions: { "edge-agent": "1.4.1" } },
      { ...signed, upgrade: { ...signed.upgrade, state: "failed" as const } },
      { ...signed, upgrade: { ...signed.upgrade, reason: "added" } },
      { ...signed, sig: signed.sig.toUpperCase() },
      { ...signed, sig: signed.sig.slice(0, 63) + (signed.sig.endsWith("0") ? "1" : "0") },
      { ...signed, sig: signed.sig.slice(0, 32) },
      { ...signed, sig: undefined },
    ];
    for (const report of tampered) expect(gatewayReportSigned(gatewayHeartbeat, TOKEN_HASH, report)).toBe(false);
    expect(gatewayReportSigned(gatewayHeartbeat, hashGatewaySecret("another token"), signed)).toBe(false);
    // The raw token is not the key: a box that skipped hashing would be refused.
    expect(gatewayReportSigned(gatewayHeartbeat, TOKEN, signed)).toBe(false);
  });

  it("does not let a signature of one report kind pass as another with the same fields", () => {
    const report = { gwId: "h3HRECtISGGnsPjxoYW1mEc2NjMhd1Ur", devices: [], at: 1_700_000_005_000 };
    const signed = signGatewayReport(gatewayDevices, TOKEN_HASH, report);
    expect(gatewayReportSigned(gatewayDevices, TOKEN_HASH, signed)).toBe(true);
    expect(gatewayReportSigned(gatewayHeartbeat, TOKEN_HASH, signed)).toBe(false);
    expect(gatewayReportSigned(gatewayUpgradeStatus, TOKEN_HASH, signed)).toBe(false);
  });

  it("signs an upgrade status and a device list over their nested fields", () => {
    const status = signGatewayReport(gatewayUpgradeStatus, TOKEN_HASH, { gwId: "gw12345678", state: "rolled-back", version: "2.0.0", current: "1.0.0", reason: "health check", at: 5 });
    expect(gatewayReportSigned(gatewayUpgradeStatus, TOKEN_HASH, status)).toBe(true);
    expect(gatewayReportSigned(gatewayUpgradeStatus, TOKEN_HASH, { ...status, state: "succeeded" })).toBe(false);
    const device = { id: "dev-a", name: "door", protocolType: 4 as const, type: 1 as const, ip: "192.168.1.64", port: 80, online: true, channels: [{ channelId: "dev-a-1", name: "door 1", online: true, ptz: true }] };
    const list = signGatewayReport(gatewayDevices, TOKEN_HASH, { gwId: "gw12345678", devices: [device], at: 5 });
    expect(gatewayReportSigned(gatewayDevices, TOKEN_HASH, list)).toBe(true);
    const offline = { ...list, devices: [{ ...device, channels: [{ ...device.channels[0], online: false }] }] };
    expect(gatewayReportSigned(gatewayDevices, TOKEN_HASH, offline)).toBe(false);
    expect(gatewayReportSigned(gatewayDevices, TOKEN_HASH, { ...list, devices: [] })).toBe(false);
  });
});
