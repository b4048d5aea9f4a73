import { createServer } from "node:tls";
import type { SecureContext, TLSSocket } from "node:tls";

export interface TlsListenerOptions {
  readonly port: number;
  readonly host: string;
  readonly sniCallback: (serverName: string, done: (err: Error | null, context?: SecureContext) => void) => void;
  /** Gets each connection once its handshake is done; the HTTP side takes it from there. */
  readonly onSecureConnection: (socket: TLSSocket) => void;
  /** A handshake that failed (no SNI, unknown name, not TLS at all). */
  readonly onClientError?: (err: Error, remoteAddress: string | undefined) => void;
}

export interface TlsListener {
  /** The bound port (the system's choice when `port` is 0). */
  readonly port: number;
  close(): Promise<void>;
}

/** How long a client may take to finish its handshake. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * One TLS listener for every play domain of the node: the certificate comes from `sniCallback`
 * per handshake, so domains come and go without a restart. Only HTTP/1.1 is offered (ALPN), the
 * protocol of the relay's FLV, WebSocket and HLS routes.
 */
export async function startTlsListener(options: TlsListenerOptions): Promise<TlsListener> {
  const sockets = new Set<TLSSocket>();
  const server = createServer({ SNICallback: options.sniCallback, ALPNProtocols: ["http/1.1"], handshakeTimeout: HANDSHAKE_TIMEOUT_MS }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    options.onSecureConnection(socket);
  });
  server.on("tlsClientError", (err, socket) => {
    options.onClientError?.(err, socket.remoteAddress);
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : options.port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
