import { describe, expect, it } from "vitest";
import {
  getHeader,
  parseDigestCredentials,
  parseNameAddr,
  parseSipMessage,
  parseSipUri,
  parseVia,
  serializeSipMessage,
  verifyDigest,
  type SipMessage,
  type SipRequest,
} from "../src/index.js";
import * as captures from "./fixtures/gb28181-captures.js";

function parseRequest(bytes: Buffer): SipRequest {
  const result = parseSipMessage(bytes);
  if (!result.ok) throw new Error(result.reason);
  if (result.message.kind !== "request") throw new Error("expected a request");
  return result.message;
}

const userOf = (message: SipMessage, header: string) => parseSipUri(parseNameAddr(getHeader(message, header) ?? "")?.uri ?? "")?.user;

function expectRoundTrip(bytes: Buffer): void {
  const first = parseRequest(bytes);
  const again = parseRequest(serializeSipMessage(first));
  expect(again.body.equals(first.body)).toBe(true);
  expect(again.headers.filter((h) => h.name !== "Content-Length")).toEqual(first.headers.filter((h) => h.name !== "Content-Length"));
}

describe("GB28181 vendor captures", () => {
  const registers = [
    { name: "Hikvision", bytes: captures.hikvisionRegister, authorized: captures.hikvisionRegisterAuthorized, device: "34020000001320000001", password: "12345678", transport: "UDP", userAgent: "IP Camera" },
    { name: "Dahua", bytes: captures.dahuaRegister, authorized: captures.dahuaRegisterAuthorized, device: "34020000001320000002", password: "admin123", transport: "UDP", userAgent: "Dahua SIP UAS V2.0" },
    { name: "Uniview", bytes: captures.univiewRegister, authorized: captures.univiewRegisterAuthorized, device: "34020000001320000003", password: "uniview1", transport: "TCP", userAgent: "Uniview IPC" },
  ];

  for (const vendor of registers) {
    it(`${vendor.name} REGISTER without credentials parses field by field`, () => {
      const register = parseRequest(vendor.bytes);
      expect(register.method).toBe("REGISTER");
      expect(parseSipUri(register.uri)?.user).toBe(captures.PLATFORM.id);
      expect(userOf(register, "From")).toBe(vendor.device);
      expect(userOf(register, "To")).toBe(vendor.device);
      expect(parseNameAddr(getHeader(register, "From") ?? "")?.params.tag).toBeTruthy();
      expect(parseNameAddr(getHeader(register, "To") ?? "")?.params.tag).toBeUndefined();
      const via = parseVia(getHeader(register, "Via") ?? "");
      expect(via?.transport).toBe(vendor.transport);
      expect(via?.params.rport).toBeNull();
      expect(via?.params.branch?.startsWith("z9hG4bK")).toBe(true);
      expect(userOf(register, "Contact")).toBe(vendor.device);
      expect(getHeader(register, "CSeq")).toBe("1 REGISTER");
      expect(getHeader(register, "Expires")).toBe("3600");
      expect(getHeader(register, "User-Agent")).toBe(vendor.userAgent);
      expect(getHeader(register, "Authorization")).toBeUndefined();
      expect(register.body.length).toBe(0);
      expectRoundTrip(vendor.bytes);
    });

    it(`${vendor.name} REGISTER with Authorization verifies against the device password`, () => {
      const register = parseRequest(vendor.authorized);
      expect(getHeader(register, "CSeq")).toBe("2 REGISTER");
      expect(getHeader(register, "Call-ID")).toBe(getHeader(parseRequest(vendor.bytes), "Call-ID"));
      const credentials = parseDigestCredentials(getHeader(register, "Authorization") ?? "");
      expect(credentials?.username).toBe(vendor.device);
      expect(credentials?.realm).toBe(captures.PLATFORM.realm);
      if (!credentials) return;
      expect(verifyDigest(credentials, { method: "REGISTER", realm: "3402000000", password: vendor.password })).toEqual({ ok: true });
      expect(verifyDigest(credentials, { method: "REGISTER", realm: "3402000000", password: "wrong" })).toEqual({ ok: false, reason: "bad-response" });
      expectRoundTrip(vendor.authorized);
    });
  }

  it("Hikvision Keepalive MESSAGE keeps its GB2312 XML body", () => {
    const keepalive = parseRequest(captures.hikvisionKeepalive);
    expect(keepalive.method).toBe("MESSAGE");
    expect(getHeader(keepalive, "Content-Type")).toBe("Application/MANSCDP+xml");
    expect(getHeader(keepalive, "CSeq")).toBe("20 MESSAGE");
    expect(keepalive.body.equals(captures.hikvisionKeepaliveBody)).toBe(true);
    expect(keepalive.body.toString("latin1")).toContain("<CmdType>Keepalive</CmdType>");
    expectRoundTrip(captures.hikvisionKeepalive);
  });

  it("Dahua Catalog response keeps every GB2312 channel name byte for byte", () => {
    const catalog = parseRequest(captures.dahuaCatalogResponse);
    expect(userOf(catalog, "From")).toBe("34020000001110000001");
    expect(Number(getHeader(catalog, "Content-Length"))).toBe(captures.dahuaCatalogBody.length);
    expect(catalog.body.equals(captures.dahuaCatalogBody)).toBe(true);
    for (const name of ["一楼大厅", "停车场入口", "二楼走廊", "东门球机"] as const) {
      expect(catalog.body.includes(captures.GB2312_NAMES[name])).toBe(true);
    }
    // The UTF-8 spelling is absent: nothing decoded or re-encoded the body.
    expect(catalog.body.includes(Buffer.from("一楼大厅", "utf8"))).toBe(false);
    const again = parseRequest(serializeSipMessage(catalog));
    expect(again.body.equals(captures.dahuaCatalogBody)).toBe(true);
  });

  it("Uniview compact-header Catalog response over TCP parses and round-trips", () => {
    const catalog = parseRequest(captures.univiewCatalogResponse);
    expect(catalog.headers.map((h) => h.name)).toEqual(["Via", "Max-Forwards", "To", "From", "Call-ID", "CSeq", "Content-Type", "Content-Length"]);
    expect(parseVia(getHeader(catalog, "Via") ?? "")?.transport).toBe("TCP");
    expect(catalog.body.includes(captures.GB2312_NAMES["仓库通道"])).toBe(true);
    const serialized = serializeSipMessage(catalog).toString("latin1");
    expect(serialized).toContain("\r\nContent-Type: Application/MANSCDP+xml\r\n");
    expect(serialized).toContain(`\r\nContent-Length: ${captures.univiewCatalogBody.length}\r\n`);
    expectRoundTrip(captures.univiewCatalogResponse);
  });
});
