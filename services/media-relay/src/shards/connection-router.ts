import type { Server } from "node:http";
import { connect, Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "@ivc/runtime";
import { shardOfTarget } from "./placement.js";
import { MAX_REQUEST_LINE, readRequestLine } from "./request-line.js";
import type { ShardPool } from "./shard-pool.js";

/** A client that sends no request line within this is dropped (it holds a descriptor, nothing else). */
const REQUEST_LINE_TIMEOUT_MS = 10_000;

/**
 * Gives an accepted connection, with the bytes already read from it, to an HTTP server as if the
 * server had accepted it itself.
 */
export function serveConnection(server: Server, socket: Duplex, head: Buffer): void {
  server.emit("connection", socket);
  if (head.length > 0) socket.emit("data", head);
  socket.resume();
}

export interface ConnectionRouterDeps {
  pool: ShardPool;
  /** Shard 0's own HTTP server: requests that are its own (pushed streams, health, metrics). */
  local: Server;
  isPushed(streamId: string): boolean;
  logger: Logger;
}

/**
 * The public HTTP listener of a sharded relay: reads a connection's request line, then hands the
 * connection (its descriptor) to the shard that owns the stream the line names, so the shard
 * parses and serves it like its own. A connection whose descriptor cannot travel (TLS, decrypted
 * here) is piped to the shard's loopback port instead.
 */
export function routeConnection(socket: Duplex, deps: ConnectionRouterDeps): void {
  let head: Buffer = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), REQUEST_LINE_TIMEOUT_MS);
  const onData = (chunk: Buffer): void => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const line = readRequestLine(head.subarray(0, MAX_REQUEST_LINE));
    if (!line.complete) return;
    clearTimeout(timer);
    socket.off("data", onData);
    socket.off("error", onError);
    socket.pause();
    const shard = line.target === undefined ? 0 : shardOfTarget(line.target, deps.pool.count, deps.isPushed);
    if (shard === 0) return serveConnection(deps.local, socket, head);
    if (socket instanceof Socket && socket.constructor === Socket && deps.pool.handOff(shard, socket, head)) return;
    const port = deps.pool.internalPort(shard);
    if (port === undefined) {
      deps.logger.warn({ shard, target: line.target?.split("?")[0] }, "viewer refused: its relay shard is restarting");
      const body = JSON.stringify({ error: "relay shard restarting", stage: "relay", shard });
      socket.end(`HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nretry-after: 2\r\nconnection: close\r\n\r\n${body}`);
      return;
    }
    pipeTo(socket, port, head);
  };
  const onError = (): void => {
    clearTimeout(timer);
    socket.destroy();
  };
  socket.on("data", onData);
  socket.on("error", onError);
  socket.resume();
}

/** Byte pipe from a client connection to a shard's loopback HTTP port. */
export function pipeTo(socket: Duplex, port: number, head: Buffer): void {
  const upstream = connect(port, "127.0.0.1");
  upstream.setNoDelay(true);
  upstream.write(head);
  socket.pipe(upstream).pipe(socket);
  const end = (): void => {
    socket.destroy();
    upstream.destroy();
  };
  socket.on("error", end).on("close", end);
  upstream.on("error", end).on("close", end);
  socket.resume();
}
