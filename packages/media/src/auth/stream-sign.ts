import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Signed stream URLs: `?sign=<expires>-<md5hex("<path>-<expires>-<secret>")>`, `expires` in epoch
 * seconds and `path` the stream path `/<app>/<streamId>` (e.g. `/live/34020000001320000001`).
 *
 * Why this scheme: it is node-media-server's, so the push/pull signing that operators and
 * existing tooling (NMS examples, OBS setups, scripts in many WVP/ZLM deployments) already
 * generate works unchanged. One signature covers the stream, not the protocol: the same `sign`
 * plays over RTMP (`/live/<id>`), HTTP-FLV (`/live/<id>.live.flv`) and HLS, because each is
 * verified against the stream path. MD5 is weak as a hash, but here it only binds an expiry and a
 * path to a shared secret of at most 10 characters (authstream `PushSecret`/`PullSecret`); the
 * expiry (≤ 60 minutes in authstream) bounds how long a leaked URL is useful.
 */
export type StreamSignatureFailure = "missing" | "malformed" | "expired" | "mismatch";
export type StreamSignatureCheck = { ok: true; expiresAt: number } | { ok: false; reason: StreamSignatureFailure };

const SIGN = /^(\d{1,12})-([0-9a-fA-F]{32})$/;

function digest(path: string, expiresAt: number, secret: string): string {
  return createHash("md5").update(`${path}-${expiresAt}-${secret}`, "utf8").digest("hex");
}

/** The `sign` query value for `path`, valid until `expiresAt` (epoch seconds). */
export function signStreamPath(path: string, secret: string, expiresAt: number): string {
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0) throw new RangeError(`expiresAt must be epoch seconds, got ${expiresAt}`);
  return `${expiresAt}-${digest(path, expiresAt, secret)}`;
}

/**
 * Checks the `sign` parameter of `query` for `path` at `nowSeconds`. A URL is still valid in the
 * second it expires (node-media-server refuses only `expires < now`).
 */
export function verifyStreamSignature(path: string, query: URLSearchParams | string | undefined, secret: string, nowSeconds: number): StreamSignatureCheck {
  const params = typeof query === "string" ? new URLSearchParams(query) : query;
  const sign = params?.get("sign");
  if (sign === null || sign === undefined || sign === "") return { ok: false, reason: "missing" };
  const parts = SIGN.exec(sign);
  if (parts === null) return { ok: false, reason: "malformed" };
  const expiresAt = Number(parts[1]);
  if (expiresAt < nowSeconds) return { ok: false, reason: "expired" };
  const expected = Buffer.from(digest(path, expiresAt, secret), "hex");
  const given = Buffer.from(parts[2]!, "hex");
  return timingSafeEqual(expected, given) ? { ok: true, expiresAt } : { ok: false, reason: "mismatch" };
}
