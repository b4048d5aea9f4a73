import { timingSafeEqual } from "node:crypto";
import type { AuthorizationFields } from "./authorization.js";
import { canonicalPairs, httpString, signatureOf, signingKey, signKeyOf, stringToSign } from "./canonical.js";
import type { SignedRequest } from "./request.js";
import { signingUrlEncode, signingUrlEncodeKeepSlash } from "@ivc/signing";

export interface SigningPolicy {
  /** Tolerated difference between the caller's clock and ours. */
  readonly clockSkewSeconds: number;
  /** Longest KeyTime window a caller may ask for. */
  readonly maxKeyTimeSeconds: number;
}

export const DEFAULT_SIGNING_POLICY: SigningPolicy = { clockSkewSeconds: 300, maxKeyTimeSeconds: 7 * 24 * 3600 };

export type RefusalReason =
  | "missing"
  | "malformed"
  | "listed-absent"
  | "not-yet-valid"
  | "expired"
  | "too-long"
  | "unknown-key"
  | "token-invalid"
  | "token-expired"
  | "bad-signature";

export interface Refusal {
  readonly reason: RefusalReason;
  readonly detail: string;
}

function headerValue(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : value.join(",");
}

function signedQuery(request: SignedRequest): Map<string, string> {
  const map = new Map<string, string>();
  for (const [key, value] of request.query) {
    const k = signingKey(key);
    if (!map.has(k)) map.set(k, value);
  }
  return map;
}

function signedHeaders(request: SignedRequest): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of Object.entries(request.headers)) {
    const text = headerValue(value);
    if (text !== undefined) map.set(signingKey(name), text);
  }
  return map;
}

/**
 * Checks that do not need the secret: listed names present, KeyTime window. Host need not be listed
 * (spec 01 §1 does not require it; COS.getAuthorization without Headers signs none).
 */
export function checkSignedScope(
  auth: AuthorizationFields,
  request: SignedRequest,
  policy: SigningPolicy,
  nowSeconds: number,
): Refusal | undefined {
  const headers = signedHeaders(request);
  for (const name of auth.headerList) {
    if (!headers.has(name)) return { reason: "listed-absent", detail: `header ${name} is in q-header-list but absent` };
  }
  const query = signedQuery(request);
  for (const name of auth.urlParamList) {
    if (!query.has(name)) return { reason: "listed-absent", detail: `query parameter ${name} is in q-url-param-list but absent` };
  }
  const { start, end } = auth.keyTime;
  if (end - start > policy.maxKeyTimeSeconds) {
    return { reason: "too-long", detail: `q-key-time spans more than ${policy.maxKeyTimeSeconds} s` };
  }
  if (start > nowSeconds + policy.clockSkewSeconds) return { reason: "not-yet-valid", detail: "q-key-time starts in the future" };
  if (end < nowSeconds - policy.clockSkewSeconds) return { reason: "expired", detail: "q-key-time has expired" };
  return undefined;
}

/**
 * The signatures the request may carry: the spec's encoding, plus the form of worked example 2
 * (`/` left literal in header values, spec 01 §1.5) when a signed header value contains `/`.
 */
export function expectedSignatures(auth: AuthorizationFields, request: SignedRequest, signKey: string): string[] {
  const params = canonicalPairs(auth.urlParamList, signedQuery(request), signingUrlEncode).joined;
  const headers = signedHeaders(request);
  const headerForms = new Set([
    canonicalPairs(auth.headerList, headers, signingUrlEncode).joined,
    canonicalPairs(auth.headerList, headers, signingUrlEncodeKeepSlash).joined,
  ]);
  return [...headerForms].map((h) =>
    signatureOf(signKey, stringToSign(auth.keyTime.text, httpString(request.method, request.pathname, params, h))),
  );
}

export function signatureMatches(auth: AuthorizationFields, request: SignedRequest, secretKey: string): boolean {
  const given = Buffer.from(auth.signature, "utf8");
  let matched = false;
  for (const expected of expectedSignatures(auth, request, signKeyOf(secretKey, auth.keyTime.text))) {
    const bytes = Buffer.from(expected, "utf8");
    if (bytes.length === given.length && timingSafeEqual(bytes, given)) matched = true;
  }
  return matched;
}
