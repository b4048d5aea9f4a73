import type { TLSSocket } from "node:tls";
import type { Bus } from "@ivc/bus";
import type { Logger } from "@ivc/runtime";
import { CertificateSync } from "./certificate-sync.js";
import { SniCertificates } from "./sni-certificates.js";
import { startTlsListener } from "./tls-listener.js";

export { SniCertificates } from "./sni-certificates.js";
export type { DomainCertificate } from "./sni-certificates.js";

export interface TlsMediaOptions {
  readonly bus: Bus;
  readonly clusterId: string;
  /** MEDIA_HTTPS_PORT; 0 lets the system choose. */
  readonly port: number;
  readonly host: string;
  readonly logger: Logger;
  /** Hands a decrypted connection to the relay's HTTP server, so every route works over TLS too. */
  readonly onSecureConnection: (socket: TLSSocket) => void;
  readonly timeoutMs?: number;
}

export interface TlsMedia {
  readonly port: number;
  readonly certificates: SniCertificates;
  /** Resolves once the API's certificates were loaded the first time. */
  readonly ready: Promise<void>;
  /** Asks the API again now. */
  reload(): void;
  close(): Promise<void>;
}

/** HTTPS and WSS on the node's play domains: one SNI listener whose certificates follow the API. */
export async function startTlsMedia(options: TlsMediaOptions): Promise<TlsMedia> {
  const { logger } = options;
  const certificates = new SniCertificates();
  const listener = await startTlsListener({
    port: options.port,
    host: options.host,
    sniCallback: certificates.sniCallback,
    onSecureConnection: options.onSecureConnection,
    onClientError: (err, remoteAddress) => logger.debug({ err: err.message, remoteAddress }, "TLS handshake failed"),
  });
  const sync = new CertificateSync({ bus: options.bus, clusterId: options.clusterId, certificates, logger, timeoutMs: options.timeoutMs ?? 3000, retryMs: 1000, maxRetryMs: 30_000 });
  logger.info({ httpsPort: listener.port }, "media relay TLS listener up");
  return {
    port: listener.port,
    certificates,
    ready: sync.ready,
    reload: () => sync.reload(),
    async close() {
      await sync.stop();
      await listener.close();
    },
  };
}
