import { createResponse, parseSipMessage } from "@ivc/sip";
import type { SipRequest } from "@ivc/sip";
import { describe, expect, it } from "vitest";
import { grantedExpires, refreshDelayMs } from "../src/index.js";

const CONTACT = "sip:34020000001320000001@10.0.0.5:5070";

function register(): SipRequest {
  const parsed = parseSipMessage(
    Buffer.from(
      "REGISTER sip:34020000002000000001@3402000000 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK1\r\n" +
        "From: <sip:34020000001320000001@3402000000>;tag=1\r\nTo: <sip:34020000001320000001@3402000000>\r\n" +
        "Call-ID: c\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n",
    ),
  );
  if (!parsed.ok || parsed.message.kind !== "request") throw new Error("fixture");
  return parsed.message;
}

describe("grantedExpires (RFC 3261 §10.2.4)", () => {
  it("prefers the expires parameter of our own Contact", () => {
    const response = createResponse(register(), 200, {
      headers: [
        ["Contact", `<sip:other@10.0.0.9>;expires=10, <${CONTACT}>;expires=120`],
        ["Expires", "3600"],
      ],
    });
    expect(grantedExpires(response, CONTACT, 3600)).toBe(120);
  });

  it("falls back to the Expires header, then to what was asked", () => {
    expect(grantedExpires(createResponse(register(), 200, { headers: [["Expires", "600"]] }), CONTACT, 3600)).toBe(600);
    expect(grantedExpires(createResponse(register(), 200, { headers: [["Expires", "soon"]] }), CONTACT, 3600)).toBe(3600);
  });
});

describe("refreshDelayMs", () => {
  it("refreshes a transaction lifetime (32 s) before a long expiry", () => {
    expect(refreshDelayMs(3600)).toBe(3568_000);
  });

  it("refreshes at half of a short expiry", () => {
    expect(refreshDelayMs(2)).toBe(1000);
    expect(refreshDelayMs(60)).toBe(30_000);
  });
});
