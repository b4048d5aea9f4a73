import { createServer, type RequestListener, type Server } from "node:http";
import type { Socket } from "node:net";

const LF = 0x0a;

/**
 * Percent-encodes the bytes ≥ 0x80 of the request line at the start of `chunk` (upper-case hex,
 * as spec 01 §1.1's UrlEncode writes them); the rest of the chunk and a pure-ASCII line are
 * returned as they are.
 */
export function percentEncodeRequestLine(chunk: Buffer): Buffer {
  const lineEnd = chunk.indexOf(LF);
  const end = lineEnd < 0 ? chunk.length : lineEnd;
  let raw = 0;
  for (let i = 0; i < end; i++) if ((chunk[i] ?? 0) >= 0x80) raw++;
  if (raw === 0) return chunk;
  const line = Buffer.alloc(end + raw * 2);
  let at = 0;
  for (let i = 0; i < end; i++) {
    const byte = chunk[i] ?? 0;
    if (byte < 0x80) line[at++] = byte;
    else at += line.write(`%${byte.toString(16).toUpperCase()}`, at, "latin1");
  }
  return Buffer.concat([line, chunk.subarray(end)]);
}

/**
 * An HTTP server that accepts raw UTF-8 in a connection's first request target. curl sends
 * `?Name=门店` as raw bytes, which Node's parser refuses (HPE_INVALID_URL, even with
 * insecureHTTPParser) before any handler runs; percent-encoding them first gives the handlers and
 * the signature check the same value as the encoded form. Later requests on a kept-alive
 * connection are not rewritten (finding their start would mean parsing HTTP twice).
 */
export function createRawUtf8TolerantServer(handler: RequestListener): Server {
  const server = createServer(handler);
  const nodeListeners = server.listeners("connection") as Array<(socket: Socket) => void>;
  server.removeAllListeners("connection");
  // Node tracks a connection (timeouts, closeIdleConnections) from its listener on; until the
  // first bytes arrive that is us: a silent socket times out like a slow header and closes with the server.
  const silent = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    silent.add(socket);
    socket.once("close", () => silent.delete(socket));
    socket.setTimeout(server.headersTimeout, () => socket.destroy());
    socket.once("data", (chunk: Buffer) => {
      silent.delete(socket);
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(percentEncodeRequestLine(chunk));
      for (const listener of nodeListeners) listener.call(server, socket);
      process.nextTick(() => socket.resume());
    });
  });
  const closeIdleConnections = server.closeIdleConnections.bind(server);
  server.closeIdleConnections = () => {
    for (const socket of silent) socket.destroy();
    closeIdleConnections();
  };
  return server;
}
