import { createSocket } from "node:dgram";
import { createServer } from "node:net";

/*
 * Ports for test listeners come from below the kernel's ephemeral range (32768–60999 on Debian):
 * a port the OS handed out as "free" is soon reused as the local end of some other test's outgoing
 * connection, and a server started on it a moment later then fails with EADDRINUSE (CI saw
 * redis-server refuse such a port). Listeners take 10000–19999, RTP ranges 20000–32699.
 */
const LISTENER_PORTS = { low: 10_000, high: 20_000 };
const RTP_PORTS = { low: 20_000, high: 32_700 };
const handedOut = new Set<number>();

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "0.0.0.0", () => server.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket("udp4");
    socket.once("error", () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, "0.0.0.0", () => socket.close(() => resolve(true)));
  });
}

function randomIn(low: number, high: number): number {
  return low + Math.floor(Math.random() * (high - low));
}

/** A port that is free for TCP and UDP on every address right now and not handed out before in this process. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = randomIn(LISTENER_PORTS.low, LISTENER_PORTS.high);
    if (handedOut.has(port)) continue;
    if ((await tcpFree(port)) && (await udpFree(port))) {
      handedOut.add(port);
      return port;
    }
  }
}

/** `size` consecutive UDP ports (an RTP_PORTS value, "first-last") free right now. */
export async function freeRtpRange(size: number): Promise<string> {
  for (;;) {
    const first = randomIn(RTP_PORTS.low, RTP_PORTS.high - size);
    const ports = Array.from({ length: size }, (_, i) => first + i);
    if (ports.some((p) => handedOut.has(p))) continue;
    const free = await Promise.all(ports.map(udpFree));
    if (free.every(Boolean)) {
      for (const p of ports) handedOut.add(p);
      return `${first}-${first + size - 1}`;
    }
  }
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
