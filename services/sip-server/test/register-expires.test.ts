import { describe, expect, it } from "vitest";
import { parseSipMessage, type SipRequest } from "@ivc/sip";
import { formatGbDateHeader } from "../src/gb-date.js";
import { contactUri, DEFAULT_REGISTER_EXPIRES, MAX_REGISTER_EXPIRES, requestedExpires } from "../src/register-expires.js";

function register(extra: string): SipRequest {
  const text = [
    "REGISTER sip:34020000002000000001@3402000000 SIP/2.0",
    "Via: SIP/2.0/UDP 192.168.1.64:5060;rport;branch=z9hG4bK1",
    "From: <sip:34020000001320000001@3402000000>;tag=1",
    "To: <sip:34020000001320000001@3402000000>",
    "Call-ID: c1",
    "CSeq: 1 REGISTER",
    "Max-Forwards: 70",
    extra,
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
  const parsed = parseSipMessage(Buffer.from(text));
  if (!parsed.ok || parsed.message.kind !== "request") throw new Error(`bad fixture: ${parsed.ok ? "response" : parsed.reason}`);
  return parsed.message;
}

describe("requestedExpires (RFC 3261 §10.2.1.1)", () => {
  it("reads the Expires header", () => {
    expect(requestedExpires(register("Contact: <sip:34020000001320000001@192.168.1.64:5060>\r\nExpires: 600"))).toBe(600);
  });

  it("prefers the Contact expires parameter", () => {
    expect(requestedExpires(register("Contact: <sip:a@b>;expires=0\r\nExpires: 600"))).toBe(0);
  });

  it("treats Contact: * as removal", () => {
    expect(requestedExpires(register("Contact: *\r\nExpires: 0"))).toBe(0);
  });

  it("defaults to 3600 and caps at a day", () => {
    expect(requestedExpires(register("Contact: <sip:a@b>"))).toBe(DEFAULT_REGISTER_EXPIRES);
    expect(requestedExpires(register("Contact: <sip:a@b>\r\nExpires: 9999999"))).toBe(MAX_REGISTER_EXPIRES);
  });

  it("rejects an unreadable value", () => {
    expect(requestedExpires(register("Contact: <sip:a@b>\r\nExpires: soon"))).toBeUndefined();
  });

  it("extracts the Contact URI", () => {
    expect(contactUri(register("Contact: <sip:34020000001320000001@192.168.1.64:5060>"))).toBe("sip:34020000001320000001@192.168.1.64:5060");
  });
});

describe("formatGbDateHeader (GB/T 28181 §9.1.2.1)", () => {
  it("writes local time with milliseconds and no zone", () => {
    expect(formatGbDateHeader(Date.UTC(2024, 0, 2, 3, 4, 5, 678), 480)).toBe("2024-01-02T11:04:05.678");
  });
});
