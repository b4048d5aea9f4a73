import { createHash } from "node:crypto";

/** RFC 6455 §5.2 opcodes the relay deals with. */
export const WsOpcode = { Continuation: 0x0, Text: 0x1, Binary: 0x2, Close: 0x8, Ping: 0x9, Pong: 0xa } as const;

export interface WsFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

export type WsParseResult = { ok: true; frames: WsFrame[] } | { ok: false; reason: string };

const HANDSHAKE_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** RFC 6455 §4.2.2: Sec-WebSocket-Accept = base64(SHA-1(key + GUID)). */
export function wsAcceptKey(key: string): string {
  return createHash("sha1").update(key + HANDSHAKE_GUID).digest("base64");
}

/** One unmasked, unfragmented frame, as a server sends (RFC 6455 §5.1: servers never mask). */
export function encodeWsFrame(opcode: number, payload: Buffer): Buffer {
  return Buffer.concat([wsFrameHeader(opcode, payload.length), payload]);
}

/** The header of an unmasked final frame of `length` bytes, for writing it ahead of a shared payload without copying it. */
export function wsFrameHeader(opcode: number, length: number): Buffer {
  const headerLength = length < 126 ? 2 : length <= 0xffff ? 4 : 10;
  const header = Buffer.allocUnsafe(headerLength);
  header[0] = 0x80 | opcode;
  if (length < 126) {
    header[1] = length;
  } else if (length <= 0xffff) {
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return header;
}

/**
 * Incremental frame parser for what a viewer sends us (pings, close, at most small messages).
 * Memory is bounded by `maxFrameBytes`; a larger frame is a protocol violation (RFC 6455 §7.4.1
 * code 1009) and the caller closes the connection.
 */
export class WsFrameParser {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly maxFrameBytes = 64 * 1024) {}

  push(chunk: Buffer): WsParseResult {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: WsFrame[] = [];
    for (;;) {
      const b = this.pending;
      if (b.length < 2) break;
      const masked = (b[1]! & 0x80) !== 0;
      let length = b[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) break;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) break;
        const big = b.readBigUInt64BE(2);
        if (big > BigInt(this.maxFrameBytes)) return { ok: false, reason: "frame too large" };
        length = Number(big);
        offset = 10;
      }
      if (length > this.maxFrameBytes) return { ok: false, reason: "frame too large" };
      const maskOffset = offset;
      if (masked) offset += 4;
      if (b.length < offset + length) break;
      const payload = Buffer.from(b.subarray(offset, offset + length));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= b[maskOffset + (i % 4)]!;
      frames.push({ fin: (b[0]! & 0x80) !== 0, opcode: b[0]! & 0x0f, payload });
      this.pending = b.subarray(offset + length);
    }
    return { ok: true, frames };
  }
}
