import { createServer, connect, type Server, type Socket } from "node:net";
import { createSocket } from "node:dgram";
import { Rfc4571Framer } from "@ivc/media";

export type MediaTransport = "udp" | "tcp-passive" | "tcp-active";

/** A running RTP receiver on one leased port; it hands every packet to the session. */
export interface RtpIngest {
  readonly transport: MediaTransport;
  close(): void;
}

export interface IngestHandlers {
  packet(packet: Buffer): void;
  /** A socket-level problem worth a log line (the session decides whether the stream is lost). */
  problem(message: string): void;
}

/** GB28181 TCP passive: the device connects to us. More than this many at once is refused. */
const MAX_TCP_CONNECTIONS = 2;

export async function openUdpIngest(host: string, port: number, handlers: IngestHandlers): Promise<RtpIngest> {
  const socket = createSocket({ type: "udp4", reuseAddr: false });
  socket.on("message", (msg) => handlers.packet(msg));
  socket.on("error", (err) => handlers.problem(`UDP socket error: ${err.message}`));
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(port, host, () => {
        socket.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    // A socket whose bind failed keeps its handle and descriptor until closed.
    socket.close();
    throw err;
  }
  // Bursts of a keyframe arrive faster than the event loop drains them; a large buffer avoids loss.
  try {
    socket.setRecvBufferSize(4 * 1024 * 1024);
  } catch {
    // The kernel caps it (net.core.rmem_max); the default still works at lower bitrates.
  }
  return { transport: "udp", close: () => socket.close() };
}

/** Feeds one TCP connection's bytes through an RFC 4571 framer (with RFC 2326 '$' fallback). */
function frameTcp(socket: Socket, handlers: IngestHandlers): void {
  const framer = new Rfc4571Framer("auto");
  socket.setNoDelay(true);
  socket.on("data", (chunk: Buffer) => {
    for (const packet of framer.push(chunk)) handlers.packet(packet);
  });
  socket.on("error", (err) => handlers.problem(`TCP media connection error: ${err.message}`));
}

export async function openTcpPassiveIngest(host: string, port: number, handlers: IngestHandlers): Promise<RtpIngest> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    if (sockets.size >= MAX_TCP_CONNECTIONS) {
      handlers.problem(`refused a TCP media connection from ${socket.remoteAddress}: already ${sockets.size} open`);
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    frameTcp(socket, handlers);
  });
  server.on("error", (err) => handlers.problem(`TCP media listener error: ${err.message}`));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    transport: "tcp-passive",
    close: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

/**
 * GB28181 TCP active: we connect to the address from the device's 200 OK SDP. The source port is
 * left to the system: binding the leased one would fail while an earlier connection sits in TIME_WAIT.
 */
export function openTcpActiveIngest(remoteIp: string, remotePort: number, handlers: IngestHandlers): RtpIngest {
  const socket = connect({ host: remoteIp, port: remotePort });
  frameTcp(socket, handlers);
  socket.on("close", () => handlers.problem(`TCP media connection to ${remoteIp}:${remotePort} closed`));
  return { transport: "tcp-active", close: () => socket.destroy() };
}
