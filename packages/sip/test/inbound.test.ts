import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { getHeader, interpretInbound } from "../src/index.js";
import { RFC4475_DIR } from "./support-rfc4475.js";

const rfc4475 = (name: string) => readFileSync(`${RFC4475_DIR}${name}.dat`);

describe("interpretInbound", () => {
  it("recognises CRLF keepalives", () => {
    expect(interpretInbound(Buffer.from("\r\n\r\n"))).toEqual({ kind: "keepalive" });
  });

  it("answers a readable but invalid request with 400, copying its identifiers", () => {
    const verdict = interpretInbound(rfc4475("mismatch01"));
    if (verdict.kind !== "malformed" || !verdict.reply) throw new Error("expected a reply");
    expect(verdict.reply.status).toBe(400);
    expect(getHeader(verdict.reply, "Call-ID")).toBe("mismatch01.dj0234sxdfl3");
    expect(getHeader(verdict.reply, "CSeq")).toBe("8 INVITE");
  });

  it("answers another SIP version with 505", () => {
    const verdict = interpretInbound(rfc4475("badvers"));
    expect(verdict.kind === "malformed" && verdict.reason).toBe("unsupported SIP version SIP/7.0");
    expect(verdict.kind === "malformed" && verdict.reply?.status).toBe(505);
    expect(interpretInbound(rfc4475("lwsstart"))).toEqual({ kind: "malformed", reason: "malformed request line" });
  });

  it("does not answer requests missing what a response must copy, nor responses, nor ACKs", () => {
    expect(interpretInbound(rfc4475("insuf"))).toEqual({ kind: "malformed", reason: "missing From header" });
    expect(interpretInbound(rfc4475("bigcode"))).toEqual({ kind: "malformed", reason: "malformed status line" });
    const ack = rfc4475("mismatch01").toString("latin1").replace("OPTIONS sip:", "ACK sip:").replace("CSeq: 8 INVITE", "CSeq: 8 OPTIONS");
    expect(interpretInbound(Buffer.from(ack, "latin1"))).toEqual({ kind: "malformed", reason: "CSeq method OPTIONS does not match request method ACK" });
  });
});
