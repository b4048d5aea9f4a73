import { describe, expect, it } from "vitest";
import { getHeader, getHeaderValues, parseSipMessage, serializeSipMessage } from "../src/index.js";

const crlf = (lines: string[]) => Buffer.from(lines.join("\r\n"));

const REGISTER = [
  "REGISTER sip:34020000002000000001@3402000000 SIP/2.0",
  "v: SIP/2.0/UDP 192.168.1.64:5060;rport;branch=z9hG4bK1",
  "f: <sip:34020000001320000001@3402000000>;tag=a",
  "t: <sip:34020000001320000001@3402000000>",
  "i: reg-1",
  "CSEQ: 1 REGISTER",
  "m: <sip:34020000001320000001@192.168.1.64:5060>",
  "Max-Forwards: 70",
  "Expires: 3600",
  "l: 0",
  "",
  "",
];

describe("parseSipMessage", () => {
  it("maps compact and any-case names to canonical long names", () => {
    const result = parseSipMessage(crlf(REGISTER));
    if (!result.ok) throw new Error(result.reason);
    expect(result.message.headers.map((h) => h.name)).toEqual([
      "Via", "From", "To", "Call-ID", "CSeq", "Contact", "Max-Forwards", "Expires", "Content-Length",
    ]);
    expect(getHeader(result.message, "call-id")).toBe("reg-1");
    expect(getHeader(result.message, "i")).toBe("reg-1");
  });

  it("serializes with long names and a Content-Length computed from the body", () => {
    const result = parseSipMessage(crlf(REGISTER));
    if (!result.ok) throw new Error(result.reason);
    const body = Buffer.from([0xc1, 0xbb, 0xc2, 0xa5]);
    const text = serializeSipMessage({ ...result.message, body }).toString("latin1");
    expect(text).toContain("\r\nVia: SIP/2.0/UDP 192.168.1.64:5060;rport;branch=z9hG4bK1\r\n");
    expect(text).toContain("\r\nCall-ID: reg-1\r\n");
    expect(text.endsWith("\r\nContent-Length: 4\r\n\r\n\xc1\xbb\xc2\xa5")).toBe(true);
    expect(text.match(/Content-Length/g)).toHaveLength(1);
  });

  it("splits comma-separated list headers but not others", () => {
    const lines = [...REGISTER];
    lines.splice(2, 0, 'Contact: "a, b" <sip:a@h>;q=0.5, <sip:b@h>', "Date: Fri, 01 Jan 2010 16:00:00 GMT");
    const result = parseSipMessage(crlf(lines));
    if (!result.ok) throw new Error(result.reason);
    expect(getHeaderValues(result.message, "Contact")).toEqual(['"a, b" <sip:a@h>;q=0.5', "<sip:b@h>", "<sip:34020000001320000001@192.168.1.64:5060>"]);
    expect(getHeaderValues(result.message, "Date")).toEqual(["Fri, 01 Jan 2010 16:00:00 GMT"]);
  });

  it("tolerates bare LF line endings and leading CRLFs", () => {
    const result = parseSipMessage(Buffer.from(`\r\n\r\n${REGISTER.join("\n")}`));
    expect(result.ok).toBe(true);
  });

  it("keeps the body bytes and takes the body to the datagram end without Content-Length", () => {
    const lines = REGISTER.filter((l) => l !== "l: 0");
    const bytes = Buffer.concat([crlf(lines), Buffer.from([0, 1, 2, 0xff])]);
    const result = parseSipMessage(bytes);
    expect(result.ok && [...result.message.body]).toEqual([0, 1, 2, 0xff]);
  });

  it("refuses requests with a readable request line and returns them for a 400", () => {
    const result = parseSipMessage(crlf(REGISTER.map((l) => (l.startsWith("CSEQ") ? "CSeq: 1 INVITE" : l))));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.status).toBe(400);
    expect(result.request?.method).toBe("REGISTER");
  });

  it("refuses garbage, header lines without a colon and bare CRs", () => {
    for (const input of ["", "\r\n\r\n", "hello", "REGISTER sip:a@b SIP/2.0\r\nno colon here\r\n\r\n", "REGISTER sip:a@b SIP/2.0\r\nX: a\rb\r\n\r\n"]) {
      const result = parseSipMessage(Buffer.from(input));
      expect(result.ok).toBe(false);
    }
  });

  it("refuses a Max-Forwards above 255 and status codes outside 100-699", () => {
    const mf = parseSipMessage(crlf(REGISTER.map((l) => (l === "Max-Forwards: 70" ? "Max-Forwards: 256" : l))));
    expect(!mf.ok && mf.reason).toBe("malformed Max-Forwards header");
    const response = parseSipMessage(Buffer.from("SIP/2.0 099 Odd\r\n\r\n"));
    expect(!response.ok && response.reason).toBe("status code 99 out of range");
  });
});
