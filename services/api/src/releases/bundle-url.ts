import { createHmac, timingSafeEqual } from "node:crypto";

/** Where a box downloads a release bundle: GET /ivc/releases/<version>.bundle?GwId=…&Expires=…&Signature=… */
export const BUNDLE_ROUTE = "/ivc/releases/:file";
export const BUNDLE_SUFFIX = ".bundle";

/** Long enough for a slow store uplink to fetch a bundle of a few hundred MiB. */
export const BUNDLE_URL_TTL_SECONDS = 3600;

/**
 * The signature is an HMAC-SHA256 keyed by the gateway's stored token hash, so the URL works only
 * for that gateway and only while its credentials exist: deleting the gateway (G9) voids every URL
 * it was given. The box's downloader is a plain GET, hence a signed URL rather than a header.
 */
function signature(tokenHash: string, version: string, gwId: string, expires: number): string {
  return createHmac("sha256", tokenHash).update(`${version}\n${gwId}\n${expires}`).digest("hex");
}

export function signedBundleUrl(baseUrl: string, version: string, gateway: { gwId: string; tokenHash: string }, expires: number): string {
  const url = new URL(`/ivc/releases/${encodeURIComponent(version)}${BUNDLE_SUFFIX}`, baseUrl);
  url.searchParams.set("GwId", gateway.gwId);
  url.searchParams.set("Expires", String(expires));
  url.searchParams.set("Signature", signature(gateway.tokenHash, version, gateway.gwId, expires));
  return url.toString();
}

export type BundleUrlCheck = { ok: true } | { ok: false; reason: "expired" | "bad-signature" };

export function checkBundleSignature(
  version: string,
  gateway: { gwId: string; tokenHash: string },
  expires: number,
  given: string,
  nowSeconds: number,
): BundleUrlCheck {
  const expected = Buffer.from(signature(gateway.tokenHash, version, gateway.gwId, expires));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return { ok: false, reason: "bad-signature" };
  return expires < nowSeconds ? { ok: false, reason: "expired" } : { ok: true };
}
