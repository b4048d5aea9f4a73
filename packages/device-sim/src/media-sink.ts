import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, createServer, type Server, type Socket } from "node:net";
import type { MediaPlan } from "./media-plan.js";

/** Where RTP packets of one stream go. */
export interface MediaSink {
  send(packet: Buffer): void;
  /** Bytes accepted but not yet written to the network (TCP); 0 for UDP. */
  readonly backlogBytes: number;
  /** Called once when the peer closes a TCP connection or the socket fails. */
  onClosed(listener: (reason: string) => void): void;
  close(): void;
}

/** A sink whose local side exists (the port the SDP answer announces) but which may not carry media yet. */
export interface PreparedSink {
  /** The port to put in the answer's m= line. */
  readonly port: number;
  /** Resolves once media can flow: at once (UDP), after connecting (TCP active) or after the platform connected (TCP passive). */
  open(timeoutMs: number): Promise<MediaSink>;
  close(): void;
}

/** RFC 4145 §4.1: an active-only endpoint announces the discard port. */
const ACTIVE_PORT = 9;

export async function prepareSink(plan: MediaPlan, localAddress: string): Promise<PreparedSink> {
  switch (plan.kind) {
    case "udp":
      return prepareUdp(plan.remoteIp, plan.remotePort, localAddress);
    case "tcp-connect":
      return prepareTcpConnect(plan.remoteIp, plan.remotePort);
    case "tcp-listen":
      return prepareTcpListen(localAddress);
  }
}

async function prepareUdp(remoteIp: string, remotePort: number, localAddress: string): Promise<PreparedSink> {
  const socket: UdpSocket = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, localAddress, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  const closed = closeOnce(() => socket.close());
  socket.on("error", (err) => closed.fire(`UDP socket error: ${err.message}`));
  const sink: MediaSink = {
    send: (packet) => socket.send(packet, remotePort, remoteIp),
    backlogBytes: 0,
    onClosed: closed.listen,
    close: () => closed.fire("closed"),
  };
  return { port: socket.address().port, open: () => Promise.resolve(sink), close: sink.close };
}

function prepareTcpConnect(remoteIp: string, remotePort: number): PreparedSink {
  let socket: Socket | undefined;
  return {
    port: ACTIVE_PORT,
    open: (timeoutMs) =>
      new Promise((resolve, reject) => {
        const attempt = connect({ host: remoteIp, port: remotePort, timeout: timeoutMs });
        socket = attempt;
        attempt.once("connect", () => {
          attempt.setTimeout(0);
          resolve(tcpSink(attempt));
        });
        attempt.once("timeout", () => attempt.destroy(new Error(`connecting to ${remoteIp}:${remotePort} timed out`)));
        attempt.once("error", reject);
      }),
    close: () => socket?.destroy(),
  };
}

async function prepareTcpListen(localAddress: string): Promise<PreparedSink> {
  const server: Server = createServer();
  const firstConnection = new Promise<Socket>((resolve) => server.once("connection", resolve));
  // One media connection per dialog (a=connection:new): later ones are turned away.
  firstConnection.then(() => server.on("connection", (extra: Socket) => extra.destroy())).catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, localAddress, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  let accepted: Socket | undefined;
  return {
    port,
    open: async (timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the platform did not connect to port ${port} within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        accepted = await Promise.race([firstConnection, timedOut]);
      } finally {
        clearTimeout(timer);
      }
      return tcpSink(accepted);
    },
    close: () => {
      server.close();
      accepted?.destroy();
    },
  };
}

/** RTP over TCP with the RFC 4571 2-byte length before each packet (GB/T 28181-2016 Annex L). */
function tcpSink(socket: Socket): MediaSink {
  socket.setNoDelay(true);
  const closed = closeOnce(() => socket.destroy());
  socket.on("close", () => closed.fire("the platform closed the media connection"));
  socket.on("error", (err) => closed.fire(`TCP media connection error: ${err.message}`));
  // What the platform sends back (RTCP) is not needed.
  socket.on("data", () => undefined);
  return {
    send: (packet) => {
      const length = Buffer.allocUnsafe(2);
      length.writeUInt16BE(packet.length);
      socket.write(Buffer.concat([length, packet]));
    },
    get backlogBytes() {
      return socket.writableLength;
    },
    onClosed: closed.listen,
    close: () => closed.fire("closed"),
  };
}

function closeOnce(release: () => void): { fire(reason: string): void; listen(listener: (reason: string) => void): void } {
  const listeners: Array<(reason: string) => void> = [];
  let done = false;
  return {
    fire(reason) {
      if (done) return;
      done = true;
      release();
      for (const listener of listeners) listener(reason);
    },
    listen(listener) {
      listeners.push(listener);
    },
  };
}
