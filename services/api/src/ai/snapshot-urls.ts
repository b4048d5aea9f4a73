import { createHmac, timingSafeEqual } from "node:crypto";

/** Path on the relay's media HTTP port: `/ai/snapshot/<storage key>?Expires=&Signature=`. */
export const SNAPSHOT_PATH_PREFIX = "/ai/snapshot/";
/** A result's `Url` stays valid this long after the query that handed it out. */
export const SNAPSHOT_URL_TTL_SECONDS = 3600;

export type SnapshotUrlCheck = { allowed: true } | { allowed: false; reason: "expired" | "bad-signature" };

/**
 * Signed, expiring snapshot URLs. The secret stays in the API (derived from the master key); the
 * relay that serves the JPEG asks the API over the bus (`api.ai.snapshot-authorize`), which also
 * checks that a result still names the key, so deleting a task voids its URLs at once.
 */
export interface SnapshotUrls {
  url(mediaBase: string, key: string, nowSeconds: number): string;
  check(key: string, expires: number, signature: string, nowSeconds: number): SnapshotUrlCheck;
}

export function createSnapshotUrls(secret: Buffer): SnapshotUrls {
  const sign = (key: string, expires: number) => createHmac("sha256", secret).update(`${key}\n${expires}`).digest("hex");
  return {
    url(mediaBase, key, nowSeconds) {
      const expires = nowSeconds + SNAPSHOT_URL_TTL_SECONDS;
      const url = new URL(`${SNAPSHOT_PATH_PREFIX}${key}`, mediaBase);
      url.searchParams.set("Expires", String(expires));
      url.searchParams.set("Signature", sign(key, expires));
      return url.toString();
    },
    check(key, expires, signature, nowSeconds) {
      const expected = Buffer.from(sign(key, expires));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { allowed: false, reason: "bad-signature" };
      return expires < nowSeconds ? { allowed: false, reason: "expired" } : { allowed: true };
    },
  };
}

/** The URL secret from the master key, so every API instance signs alike and nothing new is stored. */
export function snapshotUrlSecret(masterKey: Buffer): Buffer {
  return createHmac("sha256", masterKey).update("ivc ai snapshot urls").digest();
}
