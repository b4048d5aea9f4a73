import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { FlvViewer, ViewerClose } from "./flv-fanout.js";
import { encodeWsFrame, WsFrameParser, WsOpcode, wsFrameHeader } from "./ws-frame.js";

/** HTTP-FLV: the FLV byte stream as an endless chunked response body. */
export function httpFlvViewer(res: ServerResponse): FlvViewer {
  return {
    protocol: "http-flv",
    write: (chunk) => void res.write(chunk),
    get bufferedBytes() {
      return res.writableLength;
    },
    close: (_reason, how) => (how === "abort" ? res.destroy() : res.end()),
    onClose: (listener) => void res.once("close", listener),
  };
}

/** RFC 6455 §7.4.1 close codes we send. */
const CloseCode = { Normal: 1000, GoingAway: 1001, ProtocolError: 1002, TooBig: 1009 } as const;

function closePayload(code: number, reason: string): Buffer {
  const text = Buffer.from(reason.slice(0, 120), "utf8");
  const out = Buffer.allocUnsafe(2 + text.length);
  out.writeUInt16BE(code, 0);
  text.copy(out, 2);
  return out;
}

/**
 * WS-FLV: each FLV chunk is one binary message. The viewer's pings are answered, its close is
 * echoed (RFC 6455 §5.5.1), and anything unparseable ends the connection.
 */
export function wsFlvViewer(socket: Duplex): FlvViewer {
  const parser = new WsFrameParser();
  let closed = false;
  const sendClose = (code: number, reason: string): void => {
    if (closed) return;
    closed = true;
    socket.end(encodeWsFrame(WsOpcode.Close, closePayload(code, reason)));
    // A peer that never completes the closing handshake must not hold the socket forever.
    setTimeout(() => socket.destroy(), 2000).unref();
  };
  socket.on("data", (chunk: Buffer) => {
    const parsed = parser.push(chunk);
    if (!parsed.ok) {
      sendClose(CloseCode.TooBig, parsed.reason);
      return;
    }
    for (const frame of parsed.frames) {
      if (frame.opcode === WsOpcode.Ping) socket.write(encodeWsFrame(WsOpcode.Pong, frame.payload));
      else if (frame.opcode === WsOpcode.Close) sendClose(CloseCode.Normal, "");
      else if (frame.opcode > WsOpcode.Binary && frame.opcode !== WsOpcode.Pong) sendClose(CloseCode.ProtocolError, "unknown opcode");
    }
  });
  socket.on("error", () => socket.destroy());
  return {
    protocol: "ws-flv",
    write: (chunk) => {
      if (closed) return;
      // The tag is shared by every viewer: header and tag go out in one writev, the tag uncopied.
      socket.cork();
      socket.write(wsFrameHeader(WsOpcode.Binary, chunk.length));
      socket.write(chunk);
      socket.uncork();
    },
    get bufferedBytes() {
      return socket.writableLength;
    },
    close: (reason, how: ViewerClose) => {
      if (how === "abort") socket.destroy();
      else sendClose(how === "end" ? CloseCode.Normal : CloseCode.GoingAway, reason);
    },
    onClose: (listener) => void socket.once("close", listener),
  };
}
