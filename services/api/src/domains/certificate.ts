import { createPrivateKey, X509Certificate } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";

/** A certificate chain and its private key, checked against the play domain they are uploaded for. */
export interface CheckedCertificate {
  /** The chain as PEM, leaf first, normalized (one block per certificate). */
  readonly certPem: string;
  /** The private key as unencrypted PKCS#8 PEM. */
  readonly keyPem: string;
  readonly notAfter: Date;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function parseChain(certText: string, field: string): Outcome<X509Certificate[]> {
  const blocks = certText.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return refuse(ErrorCodes.CertParseFailed, `${field} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  const chain: X509Certificate[] = [];
  for (const [i, block] of blocks.entries()) {
    try {
      chain.push(new X509Certificate(block));
    } catch {
      return refuse(ErrorCodes.CertParseFailed, `${field}: certificate ${i + 1} of ${blocks.length} is not a readable X.509 certificate`);
    }
  }
  return succeed(chain);
}

function parseKey(keyText: string): Outcome<KeyObject> {
  try {
    return succeed(createPrivateKey({ key: keyText, format: "pem" }));
  } catch {
    return refuse(ErrorCodes.CertParseFailed, "Key is not a readable unencrypted PEM private key (decrypt a passphrase-protected key first)");
  }
}

/** The names a certificate is for, for the refusal message: its DNS subject alternative names, else its subject CN. */
function namesOf(cert: X509Certificate): string {
  const dns = (cert.subjectAltName ?? "")
    .split(", ")
    .filter((n) => n.startsWith("DNS:"))
    .map((n) => n.slice(4));
  if (dns.length > 0) return dns.join(", ");
  return /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? "no name";
}

/**
 * Parses what domain/add and domain/update upload (spec 01 §5.4, §5.6): unreadable → 41620; a key
 * that is not the certificate's, or a certificate that does not name `domain` (wildcards as RFC 6125
 * reads them: `*.example.com` covers `a.example.com`, not `a.b.example.com`) → 41619; a certificate
 * outside its validity period → 41620 saying when it expired or becomes valid.
 */
export function checkCertificate(certText: string, keyText: string, domain: string, now: Date, certField = "Cert"): Outcome<CheckedCertificate> {
  const chain = parseChain(certText, certField);
  if (!chain.ok) return chain;
  const key = parseKey(keyText);
  if (!key.ok) return key;
  const leaf = chain.value[0] as X509Certificate;
  if (key.value.type !== "private" || !leaf.checkPrivateKey(key.value)) {
    return refuse(ErrorCodes.CertDomainMismatch, `Key is not the private key of the certificate in ${certField}`);
  }
  if (leaf.checkHost(domain, { subject: "default", wildcards: true, partialWildcards: false }) === undefined) {
    return refuse(ErrorCodes.CertDomainMismatch, `the certificate in ${certField} is for ${namesOf(leaf)}, not ${domain}`);
  }
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (now.getTime() > notAfter.getTime()) return refuse(ErrorCodes.CertParseFailed, `the certificate in ${certField} expired on ${notAfter.toISOString()}`);
  if (now.getTime() < notBefore.getTime()) return refuse(ErrorCodes.CertParseFailed, `the certificate in ${certField} is not valid before ${notBefore.toISOString()}`);
  return succeed({
    certPem: chain.value.map((c) => c.toString().trim()).join("\n") + "\n",
    keyPem: key.value.export({ type: "pkcs8", format: "pem" }).toString(),
    notAfter,
  });
}
