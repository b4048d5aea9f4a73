import { describe, expect, it } from "vitest";
import { encodeWsFrame, wsAcceptKey, WsFrameParser, WsOpcode } from "../src/ws-frame.js";

function masked(opcode: number, payload: Buffer): Buffer {
  const mask = Buffer.from([1, 2, 3, 4]);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, body]);
}

describe("WebSocket framing (RFC 6455)", () => {
  it("computes the handshake accept key of RFC 6455 §1.3's example", () => {
    expect(wsAcceptKey("dGhlIHNhbXBsZSBub25jZQ==")).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });

  it("round-trips server frames of every length encoding", () => {
    for (const size of [0, 125, 126, 65535, 65536]) {
      const payload = Buffer.alloc(size, 7);
      const result = new WsFrameParser(1 << 20).push(encodeWsFrame(WsOpcode.Binary, payload));
      expect(result).toEqual({ ok: true, frames: [{ fin: true, opcode: WsOpcode.Binary, payload }] });
    }
  });

  it("unmasks client frames split across chunks", () => {
    const wire = Buffer.concat([masked(WsOpcode.Ping, Buffer.from("hi")), masked(WsOpcode.Close, Buffer.from([3, 232]))]);
    const parser = new WsFrameParser();
    const frames = [...wire].flatMap((byte) => {
      const r = parser.push(Buffer.from([byte]));
      return r.ok ? r.frames : [];
    });
    expect(frames.map((f) => [f.opcode, f.payload.toString("hex")])).toEqual([[WsOpcode.Ping, "6869"], [WsOpcode.Close, "03e8"]]);
  });

  it("refuses a frame larger than its bound instead of buffering it", () => {
    const header = Buffer.from([0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(new WsFrameParser(1024).push(header)).toEqual({ ok: false, reason: "frame too large" });
  });
});
