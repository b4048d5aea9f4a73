import { createPrivateKey, X509Certificate } from "node:crypto";
import { createSecureContext } from "node:tls";
import type { SecureContext } from "node:tls";

/** A play domain's certificate chain and private key, PEM (what `api.domain.certificates` answers). */
export interface DomainCertificate {
  readonly playDomain: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface LoadResult {
  readonly loaded: readonly string[];
  readonly failed: ReadonlyArray<{ readonly playDomain: string; readonly reason: string }>;
}

const serverNameKey = (name: string) => name.toLowerCase().replace(/\.$/, "");

/**
 * The TLS contexts of the play domains bound to this node, chosen by the client's server name
 * (SNI). A play domain is one host name, so the lookup is exact; a wildcard certificate is
 * served under the name it was bound for. Replaced as a whole when the API's list changes:
 * handshakes already made keep their context, new ones get the new certificate.
 */
export class SniCertificates {
  private contexts = new Map<string, SecureContext>();

  /** Loads `certificates` in place of the current set; a pair Node cannot load is left out and reported. */
  replace(certificates: readonly DomainCertificate[]): LoadResult {
    const next = new Map<string, SecureContext>();
    const failed: Array<{ playDomain: string; reason: string }> = [];
    for (const c of certificates) {
      try {
        // OpenSSL drops a key that does not match the certificate without an error: every handshake would fail.
        if (!new X509Certificate(c.certPem).checkPrivateKey(createPrivateKey(c.keyPem))) throw new Error("the key is not the certificate's");
        next.set(serverNameKey(c.playDomain), createSecureContext({ cert: c.certPem, key: c.keyPem }));
      } catch (err) {
        failed.push({ playDomain: c.playDomain, reason: err instanceof Error ? err.message : String(err) });
      }
    }
    this.contexts = next;
    return { loaded: [...next.keys()], failed };
  }

  contextFor(serverName: string): SecureContext | undefined {
    return this.contexts.get(serverNameKey(serverName));
  }

  get names(): string[] {
    return [...this.contexts.keys()];
  }

  /** tls.Server's SNICallback: a name with no bound domain fails the handshake. */
  readonly sniCallback = (serverName: string, done: (err: Error | null, context?: SecureContext) => void): void => {
    const context = this.contextFor(serverName);
    if (context) done(null, context);
    else done(new Error(`no play domain ${serverName} on this node`));
  };
}
