import { describe, expect, it } from "vitest";
import {
  createAck,
  createCancel,
  createRequest,
  createResponse,
  generateBranch,
  getHeader,
  getHeaderValues,
  parseNameAddr,
  parseSipMessage,
  serializeSipMessage,
  type SipRequest,
} from "../src/index.js";

function invite(): SipRequest {
  const parsed = parseSipMessage(
    Buffer.from(
      [
        "INVITE sip:34020000001320000001@192.168.1.64:5060 SIP/2.0",
        "Via: SIP/2.0/UDP 192.168.1.10:5060;rport;branch=z9hG4bKinv",
        "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKproxy",
        "Route: <sip:proxy.example.com;lr>",
        "From: <sip:34020000002000000001@3402000000>;tag=plat",
        "To: <sip:34020000001320000001@3402000000>",
        "Call-ID: inv-1",
        "CSeq: 20 INVITE",
        "Timestamp: 54",
        "Subject: 34020000001320000001:0200000001,34020000002000000001:0",
        "Content-Length: 0",
        "",
        "",
      ].join("\r\n"),
    ),
  );
  if (!parsed.ok || parsed.message.kind !== "request") throw new Error("fixture");
  return parsed.message;
}

describe("createResponse", () => {
  it("copies Via lines, From, Call-ID, CSeq and adds a To tag", () => {
    const response = createResponse(invite(), 200, { toTag: "cam", headers: [["Contact", "<sip:34020000001320000001@192.168.1.64:5060>"]] });
    expect(response.reason).toBe("OK");
    expect(getHeaderValues(response, "Via")).toEqual(["SIP/2.0/UDP 192.168.1.10:5060;rport;branch=z9hG4bKinv", "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKproxy"]);
    expect(getHeader(response, "To")).toBe("<sip:34020000001320000001@3402000000>;tag=cam");
    expect(getHeader(response, "CSeq")).toBe("20 INVITE");
    expect(getHeader(response, "Subject")).toBeUndefined();
    expect(getHeader(response, "Timestamp")).toBeUndefined();
    expect(parseSipMessage(serializeSipMessage(response)).ok).toBe(true);
  });

  it("keeps an existing To tag, generates one when absent, and adds none to 100 (echoing Timestamp)", () => {
    const tagged = invite();
    tagged.headers = tagged.headers.map((h) => (h.name === "To" ? { ...h, value: `${h.value};tag=mine` } : h));
    expect(getHeader(createResponse(tagged, 200, { toTag: "other" }), "To")).toBe("<sip:34020000001320000001@3402000000>;tag=mine");
    expect(parseNameAddr(getHeader(createResponse(invite(), 486), "To") ?? "")?.params.tag).toMatch(/^[0-9a-f]{12}$/);
    const trying = createResponse(invite(), 100);
    expect(getHeader(trying, "To")).toBe("<sip:34020000001320000001@3402000000>");
    expect(getHeader(trying, "Timestamp")).toBe("54");
  });

  it("adds Content-Type only with a body", () => {
    const body = Buffer.from("<Response/>");
    const response = createResponse(invite(), 200, { body, contentType: "Application/MANSCDP+xml" });
    expect(getHeader(response, "Content-Type")).toBe("Application/MANSCDP+xml");
    expect(getHeader(createResponse(invite(), 200, { contentType: "x/y" }), "Content-Type")).toBeUndefined();
  });
});

describe("createAck / createCancel", () => {
  it("builds the non-2xx ACK of RFC 3261 §17.1.1.3", () => {
    const request = invite();
    const ack = createAck(request, createResponse(request, 404, { toTag: "cam" }));
    expect(ack.method).toBe("ACK");
    expect(ack.uri).toBe(request.uri);
    expect(ack.headers.map((h) => [h.name, h.value])).toEqual([
      ["Via", "SIP/2.0/UDP 192.168.1.10:5060;rport;branch=z9hG4bKinv"],
      ["From", "<sip:34020000002000000001@3402000000>;tag=plat"],
      ["To", "<sip:34020000001320000001@3402000000>;tag=cam"],
      ["Call-ID", "inv-1"],
      ["CSeq", "20 ACK"],
      ["Route", "<sip:proxy.example.com;lr>"],
      ["Max-Forwards", "70"],
    ]);
  });

  it("builds CANCEL per RFC 3261 §9.1 with the INVITE's To (no tag)", () => {
    const cancel = createCancel(invite());
    expect(cancel.method).toBe("CANCEL");
    expect(getHeader(cancel, "CSeq")).toBe("20 CANCEL");
    expect(getHeader(cancel, "To")).toBe("<sip:34020000001320000001@3402000000>");
    expect(getHeaderValues(cancel, "Via")).toHaveLength(1);
  });
});

describe("createRequest", () => {
  it("produces a request that parses back with the same fields", () => {
    const branch = generateBranch();
    const request = createRequest({
      method: "MESSAGE",
      uri: "sip:34020000002000000001@3402000000",
      via: { protocol: "SIP/2.0", transport: "UDP", host: "192.168.1.64", port: 5060, params: { rport: null, branch } },
      from: { displayName: "一楼大厅", uri: "sip:34020000001320000001@3402000000", params: { tag: "t1" } },
      to: { uri: "sip:34020000002000000001@3402000000", params: {} },
      callId: "msg-1",
      cseq: 20,
      body: Buffer.from([0x3c, 0x3f]),
      contentType: "Application/MANSCDP+xml",
    });
    const parsed = parseSipMessage(serializeSipMessage(request));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.message.headers.filter((h) => h.name !== "Content-Length")).toEqual(request.headers);
    expect(getHeader(parsed.message, "Via")).toBe(`SIP/2.0/UDP 192.168.1.64:5060;rport;branch=${branch}`);
    expect(parseNameAddr(getHeader(parsed.message, "From") ?? "")?.displayName).toBe("一楼大厅");
  });

  it("throws on header injection (programmer error)", () => {
    const request = createRequest({
      method: "MESSAGE",
      uri: "sip:a@b",
      via: { protocol: "SIP/2.0", transport: "UDP", host: "h", params: { branch: "z9hG4bKx" } },
      from: { uri: "sip:a@b", params: { tag: "1" } },
      to: { uri: "sip:a@b", params: {} },
      callId: "x\r\nEvil: 1",
      cseq: 1,
    });
    expect(() => serializeSipMessage(request)).toThrow(/CR or LF/);
  });
});
