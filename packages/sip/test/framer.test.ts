import { describe, expect, it } from "vitest";
import { parseSipMessage, SipStreamFramer, type FramedItem } from "../src/index.js";

function message(callId: string, body = ""): string {
  return (
    `MESSAGE sip:34020000002000000001@3402000000 SIP/2.0\r\n` +
    `Via: SIP/2.0/TCP 192.168.1.64:5060;branch=z9hG4bK${callId}\r\n` +
    `From: <sip:34020000001320000001@3402000000>;tag=1\r\n` +
    `To: <sip:34020000002000000001@3402000000>\r\n` +
    `Call-ID: ${callId}\r\n` +
    `CSeq: 20 MESSAGE\r\n` +
    `Content-Type: Application/MANSCDP+xml\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

function messages(items: FramedItem[]): string[] {
  return items.map((item) => (item.kind === "message" ? item.bytes.toString() : `error: ${item.reason}`));
}

describe("SipStreamFramer", () => {
  it("returns several messages delivered in one read", () => {
    const framer = new SipStreamFramer();
    const input = message("a", "<x/>") + message("b") + message("c", "hello");
    expect(messages(framer.push(Buffer.from(input)))).toEqual([message("a", "<x/>"), message("b"), message("c", "hello")]);
    expect(framer.bufferedBytes).toBe(0);
  });

  it("reassembles messages fed one byte at a time, with keepalives between them", () => {
    const framer = new SipStreamFramer();
    const input = Buffer.from(`\r\n\r\n${message("a", "<Notify>1</Notify>")}\r\n\r\n\r\n${message("b")}\r\n`);
    const out: FramedItem[] = [];
    for (const byte of input) out.push(...framer.push(Buffer.from([byte])));
    expect(messages(out)).toEqual([message("a", "<Notify>1</Notify>"), message("b")]);
    for (const item of out) expect(item.kind === "message" && parseSipMessage(item.bytes).ok).toBe(true);
  });

  it("keeps binary body bytes intact across split reads", () => {
    const body = Buffer.from([0xc1, 0xbb, 0xc2, 0xa5, 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0xff]);
    const head = Buffer.from(message("bin").replace("Content-Length: 0", `Content-Length: ${body.length}`));
    const whole = Buffer.concat([head, body]);
    const framer = new SipStreamFramer();
    expect(framer.push(whole.subarray(0, head.length + 3))).toEqual([]);
    const [item] = framer.push(whole.subarray(head.length + 3));
    expect(item?.kind === "message" && item.bytes.equals(whole)).toBe(true);
  });

  it("treats a message without Content-Length as having no body", () => {
    const framer = new SipStreamFramer();
    const noLength = message("n").replace("Content-Length: 0\r\n", "");
    expect(messages(framer.push(Buffer.from(noLength + message("m"))))).toEqual([noLength, message("m")]);
  });

  it("accepts the compact l: form", () => {
    const framer = new SipStreamFramer();
    const compact = message("c", "abc").replace("Content-Length: 3", "l: 3");
    expect(messages(framer.push(Buffer.from(compact)))).toEqual([compact]);
  });

  it("reports and drops a header section larger than the limit, then ignores the stream", () => {
    const framer = new SipStreamFramer({ maxHeaderBytes: 1024 });
    const out = framer.push(Buffer.from(`INVITE sip:a@b SIP/2.0\r\nX: ${"a".repeat(2000)}`));
    expect(messages(out)).toEqual(["error: header section exceeds 1024 bytes"]);
    expect(framer.bufferedBytes).toBe(0);
    expect(framer.push(Buffer.from(message("late")))).toEqual([]);
  });

  it("reports a completed header section larger than the limit", () => {
    const framer = new SipStreamFramer({ maxHeaderBytes: 100 });
    expect(messages(framer.push(Buffer.from(message("big"))))).toEqual(["error: header section exceeds 100 bytes"]);
  });

  it("reports a Content-Length above the body limit without buffering the body", () => {
    const framer = new SipStreamFramer({ maxBodyBytes: 10 });
    const out = framer.push(Buffer.from(message("x").replace("Content-Length: 0", "Content-Length: 11")));
    expect(messages(out)).toEqual(["error: Content-Length 11 exceeds 10 bytes"]);
  });

  it("reports negative and duplicated Content-Length", () => {
    expect(messages(new SipStreamFramer().push(Buffer.from(message("x").replace("Content-Length: 0", "Content-Length: -5")))))
      .toEqual(['error: malformed Content-Length "-5"']);
    const twice = message("y").replace("Content-Length: 0", "Content-Length: 0\r\nl: 0");
    expect(messages(new SipStreamFramer().push(Buffer.from(twice)))).toEqual(["error: multiple Content-Length headers"]);
  });

  it("waits for the body when only the header section has arrived", () => {
    const framer = new SipStreamFramer();
    const full = message("w", "0123456789");
    expect(framer.push(Buffer.from(full.slice(0, -4)))).toEqual([]);
    expect(framer.bufferedBytes).toBe(Buffer.byteLength(full) - 4);
    expect(messages(framer.push(Buffer.from(full.slice(-4))))).toEqual([full]);
  });
});
