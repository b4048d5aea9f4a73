import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, createServer, isIPv6, type Server, type Socket } from "node:net";
import type { SipDestination } from "../destination.js";
import { SipStreamFramer, type SipStreamFramerLimits } from "../framer.js";
import type { SipMessage } from "../message.js";
import { serializeSipMessage } from "../serialize.js";
import { interpretInbound } from "./inbound.js";
import type { SipLogger, SipMessageHandler, SipRemote, SipTransport } from "./sip-transport.js";

export interface NodeSipTransportOptions extends SipStreamFramerLimits {
  /** Address to bind (default 0.0.0.0). */
  host?: string;
  /** UDP and TCP port; 0 picks a free one for both. */
  port: number;
  logger?: SipLogger;
  /** Cap on simultaneous TCP connections, inbound and outbound (default 1024). */
  maxConnections?: number;
  /** Cap on simultaneous TCP connections from one source address (default 64). */
  maxConnectionsPerAddress?: number;
  /**
   * An untrusted TCP connection (see `trust`) that completes no SIP message for this long is closed
   * (default 5 s; 0 disables): a byte now and then does not keep it open.
   */
  messageTimeoutMs?: number;
  /**
   * UDP datagrams accepted from one source address per second (default 0: no limit); the rest are
   * dropped before parsing, so a flood from one address costs little more than its reception.
   */
  maxDatagramsPerAddressPerSecond?: number;
  /** Idle TCP connections are closed after this long (default 10 min; 0 disables). */
  idleTimeoutMs?: number;
  /** Outbound TCP connect timeout (default 5 s). */
  connectTimeoutMs?: number;
}

export interface NodeSipTransport extends SipTransport {
  readonly host: string;
  readonly port: number;
  /** Open TCP connections, keyed by peer address:port. */
  readonly connectionCount: number;
  /**
   * Marks the TCP connection from `remote` as a peer's the application vouches for (e.g. after a
   * digest-authenticated REGISTER): it is exempt from the message timeout and is never evicted to
   * admit a new connection. Connections we open are trusted from the start. No-op for UDP.
   */
  trust(remote: SipRemote): void;
}

const silentLogger: SipLogger = { warn: () => undefined, debug: () => undefined };

function normalizeAddress(address: string | undefined): string {
  return (address ?? "").replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
}

const peerKey = (address: string, port: number) => `${normalizeAddress(address)}:${port}`;

function bindUdp(host: string, port: number): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(host) ? "udp6" : "udp4");
    socket.once("error", reject);
    socket.bind(port, host, () => {
      socket.off("error", reject);
      resolve(socket);
    });
  });
}

function listenTcp(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** Binds UDP first, then TCP on the same port; with port 0 retries when TCP finds it taken. */
async function bindBoth(host: string, port: number, server: Server): Promise<UdpSocket> {
  for (let attempt = 0; ; attempt++) {
    const udp = await bindUdp(host, port);
    try {
      await listenTcp(server, host, udp.address().port);
      return udp;
    } catch (error) {
      udp.close();
      if (port !== 0 || attempt >= 5 || (error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    }
  }
}

/**
 * SIP over UDP and TCP on one port (RFC 3261 §18). TCP streams are framed by
 * Content-Length; a connection to a peer, accepted or opened, is reused for
 * everything sent to that address:port. Bad input is logged and dropped (or
 * answered 400/505), never thrown.
 */
export async function createNodeSipTransport(options: NodeSipTransportOptions): Promise<NodeSipTransport> {
  const host = options.host ?? "0.0.0.0";
  const logger = options.logger ?? silentLogger;
  const maxConnections = options.maxConnections ?? 1024;
  const maxPerAddress = options.maxConnectionsPerAddress ?? 256;
  const messageTimeoutMs = options.messageTimeoutMs ?? 5_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 600_000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const connections = new Map<string, Socket>();
  const connecting = new Map<string, Promise<Socket>>();
  const untrusted = new Map<Socket, { address: string; timer: NodeJS.Timeout | undefined }>();
  const perAddress = new Map<string, number>();
  let handler: SipMessageHandler | undefined;
  let closed = false;

  const send = async (message: SipMessage | Buffer, destination: SipDestination): Promise<void> => {
    const bytes = Buffer.isBuffer(message) ? message : serializeSipMessage(message);
    if (closed) throw new Error("SIP transport is closed");
    if (destination.protocol === "udp") {
      await new Promise<void>((resolve, reject) =>
        udp.send(bytes, destination.port, destination.address, (error) => (error ? reject(error) : resolve())),
      );
      return;
    }
    const socket = await tcpConnection(destination);
    await new Promise<void>((resolve, reject) => socket.write(bytes, (error) => (error ? reject(error) : resolve())));
  };

  const deliver = (bytes: Buffer, remote: SipRemote): void => {
    const verdict = interpretInbound(bytes);
    const peer = `${remote.address}:${remote.port}`;
    if (verdict.kind === "keepalive") return;
    if (verdict.kind === "malformed") {
      logger.warn({ peer, protocol: remote.protocol, reason: verdict.reason, bytes: bytes.length }, "malformed SIP message dropped");
      if (verdict.reply) {
        send(verdict.reply, remote).catch((error: Error) => logger.debug({ peer, err: error.message }, "could not answer malformed SIP message"));
      }
      return;
    }
    try {
      handler?.(verdict.message, remote);
    } catch (error) {
      logger.warn({ peer, err: (error as Error).message }, "SIP message handler threw");
    }
  };

  const forget = (socket: Socket, key: string, address: string): void => {
    if (connections.get(key) !== socket) return;
    connections.delete(key);
    const count = (perAddress.get(address) ?? 1) - 1;
    if (count > 0) perAddress.set(address, count);
    else perAddress.delete(address);
    const entry = untrusted.get(socket);
    if (entry?.timer) clearTimeout(entry.timer);
    untrusted.delete(socket);
  };

  const adopt = (socket: Socket, key: string, trusted: boolean): void => {
    const remote: SipRemote = { protocol: "tcp", address: normalizeAddress(socket.remoteAddress), port: socket.remotePort ?? 0 };
    const framer = new SipStreamFramer(options);
    connections.set(key, socket);
    perAddress.set(remote.address, (perAddress.get(remote.address) ?? 0) + 1);
    if (!trusted) {
      const timer =
        messageTimeoutMs > 0
          ? setTimeout(() => {
              logger.debug({ peer: key, protocol: "tcp" }, "SIP TCP connection closed: no complete message in time");
              forget(socket, key, remote.address);
              socket.destroy();
            }, messageTimeoutMs)
          : undefined;
      timer?.unref();
      untrusted.set(socket, { address: remote.address, timer });
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    if (idleTimeoutMs > 0) socket.setTimeout(idleTimeoutMs, () => socket.destroy());
    socket.on("data", (chunk: Buffer) => {
      for (const item of framer.push(chunk)) {
        if (item.kind === "message") {
          untrusted.get(socket)?.timer?.refresh();
          deliver(item.bytes, remote);
        } else {
          logger.warn({ peer: key, protocol: "tcp", reason: item.reason }, "SIP stream unrecoverable, closing connection");
          socket.destroy();
        }
      }
    });
    socket.on("error", (error) => logger.debug({ peer: key, err: error.message }, "SIP TCP connection error"));
    socket.on("close", () => forget(socket, key, remote.address));
  };

  /**
   * Makes room for one more connection (from `address` when given): closes the oldest untrusted
   * one there. False when every connection in the way is trusted.
   */
  const evictOldestUntrusted = (address?: string): boolean => {
    for (const [socket, entry] of untrusted) {
      if (address !== undefined && entry.address !== address) continue;
      const key = peerKey(socket.remoteAddress ?? "", socket.remotePort ?? 0);
      logger.debug({ peer: key, protocol: "tcp" }, "untrusted SIP TCP connection evicted for a new one");
      forget(socket, key, entry.address);
      socket.destroy();
      return true;
    }
    return false;
  };

  const tcpConnection = (destination: SipDestination): Promise<Socket> => {
    const key = peerKey(destination.address, destination.port);
    const open = connections.get(key);
    if (open && !open.destroyed) return Promise.resolve(open);
    const pending = connecting.get(key);
    if (pending) return pending;
    if (connections.size >= maxConnections) return Promise.reject(new Error("too many SIP TCP connections"));
    const attempt = new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: destination.address, port: destination.port, timeout: connectTimeoutMs });
      const fail = (error: Error) => {
        socket.destroy();
        reject(error);
      };
      socket.once("timeout", () => fail(new Error(`connect to ${key} timed out`)));
      socket.once("error", fail);
      socket.once("connect", () => {
        socket.off("error", fail);
        socket.setTimeout(0);
        socket.removeAllListeners("timeout");
        adopt(socket, key, true);
        resolve(socket);
      });
    }).finally(() => connecting.delete(key));
    connecting.set(key, attempt);
    return attempt;
  };

  // A new connection takes the place of the oldest untrusted one when a cap is reached, so idle or
  // slow connections never lock devices out; it is refused only when all in the way are trusted.
  const server = createServer((socket) => {
    const address = normalizeAddress(socket.remoteAddress);
    const key = peerKey(address, socket.remotePort ?? 0);
    const full =
      ((perAddress.get(address) ?? 0) >= maxPerAddress && !evictOldestUntrusted(address) && "per-address") ||
      (connections.size >= maxConnections && !evictOldestUntrusted() && "global");
    if (full) {
      logger.warn({ peer: key, limit: full }, "SIP TCP connection refused: limit reached");
      socket.destroy();
      return;
    }
    adopt(socket, key, false);
  });
  server.on("error", (error) => logger.warn({ err: error.message }, "SIP TCP server error"));

  const udp = await bindBoth(host, options.port, server);
  const datagramLimit = options.maxDatagramsPerAddressPerSecond ?? 0;
  const datagramsThisSecond = new Map<string, number>();
  let secondStartedAt = 0;
  let droppedThisSecond = 0;
  /** A fixed one-second window per address: one map lookup per datagram, emptied each second. */
  const overDatagramLimit = (address: string): boolean => {
    if (datagramLimit <= 0) return false;
    const now = Date.now();
    if (now - secondStartedAt >= 1000) {
      if (droppedThisSecond > 0) logger.warn({ dropped: droppedThisSecond, limit: datagramLimit }, "SIP UDP datagrams over the per-address rate dropped");
      datagramsThisSecond.clear();
      secondStartedAt = now;
      droppedThisSecond = 0;
    }
    const count = (datagramsThisSecond.get(address) ?? 0) + 1;
    datagramsThisSecond.set(address, count);
    if (count <= datagramLimit) return false;
    droppedThisSecond++;
    return true;
  };
  udp.on("message", (datagram, rinfo) => {
    const address = normalizeAddress(rinfo.address);
    if (!overDatagramLimit(address)) deliver(datagram, { protocol: "udp", address, port: rinfo.port });
  });
  udp.on("error", (error) => logger.warn({ err: error.message }, "SIP UDP socket error"));
  const port = udp.address().port;

  return {
    host,
    port,
    get connectionCount() {
      return connections.size;
    },
    send,
    trust(remote) {
      if (remote.protocol !== "tcp") return;
      const socket = connections.get(peerKey(remote.address, remote.port));
      const entry = socket && untrusted.get(socket);
      if (!socket || !entry) return;
      if (entry.timer) clearTimeout(entry.timer);
      untrusted.delete(socket);
    },
    onMessage(next) {
      handler = next;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const socket of connections.values()) socket.destroy();
      for (const { timer } of untrusted.values()) if (timer) clearTimeout(timer);
      connections.clear();
      untrusted.clear();
      perAddress.clear();
      await Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => server.close(() => resolve())),
      ]);
    },
  };
}
