import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { DigestNonceStatus } from "./digest.js";

export interface DigestNonceIssuerOptions {
  /** HMAC key; keep it across restarts to honour nonces issued before. */
  secret: string | Buffer;
  /** How long a nonce stays fresh (default 5 min). Older ones are "stale" (RFC 2617 §3.2.1 stale=true). */
  ttlMs?: number;
  now?: () => number;
}

/**
 * `boundTo` names who the nonce was issued to (e.g. "udp:192.0.2.7"); it is inside the MAC, so the
 * nonce checks "invalid" for anyone else: a digest answer captured on the network and replayed from
 * another address within the nonce's life proves nothing.
 */
export interface DigestNonceIssuer {
  issue(boundTo?: string): string;
  check(nonce: string, boundTo?: string): DigestNonceStatus;
}

const STAMP_HEX = 12;
const RANDOM_HEX = 16;
const MAC_HEX = 32;
const NONCE_FORMAT = new RegExp(`^[0-9a-f]{${STAMP_HEX + RANDOM_HEX + MAC_HEX}}$`);
// Tolerated clock skew for timestamps from the future (several processes sharing the secret).
const FUTURE_SKEW_MS = 60_000;

/**
 * Stateless nonces: hex(timestamp) + hex(random) + HMAC-SHA256 over both,
 * so any process knowing the secret can validate them without storage.
 * Replays within the TTL are not detected (no nc tracking).
 */
export function createDigestNonceIssuer(options: DigestNonceIssuerOptions): DigestNonceIssuer {
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  const mac = (payload: string, boundTo: string) =>
    createHmac("sha256", options.secret).update(payload).update("\0").update(boundTo).digest("hex").slice(0, MAC_HEX);
  return {
    issue(boundTo = "") {
      const payload = Math.floor(now()).toString(16).padStart(STAMP_HEX, "0") + randomBytes(RANDOM_HEX / 2).toString("hex");
      return payload + mac(payload, boundTo);
    },
    check(nonce, boundTo = "") {
      if (!NONCE_FORMAT.test(nonce)) return "invalid";
      const payload = nonce.slice(0, STAMP_HEX + RANDOM_HEX);
      if (!timingSafeEqual(Buffer.from(mac(payload, boundTo)), Buffer.from(nonce.slice(STAMP_HEX + RANDOM_HEX)))) return "invalid";
      const issuedAt = parseInt(nonce.slice(0, STAMP_HEX), 16);
      const age = now() - issuedAt;
      if (age < -FUTURE_SKEW_MS) return "invalid";
      return age > ttlMs ? "stale" : "valid";
    },
  };
}
