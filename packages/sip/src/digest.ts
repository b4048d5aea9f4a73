import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { endOfQuotedString, isToken, quote, splitHeaderList, trimLws, unquote } from "./syntax.js";

/** A WWW-Authenticate / Proxy-Authenticate Digest challenge (RFC 2617 §3.2.1). */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm?: string;
  /** qop options offered, e.g. ["auth"]. */
  qop?: string[];
  stale?: boolean;
}

/** An Authorization / Proxy-Authorization Digest response (RFC 2617 §3.2.2). */
export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm?: string;
  opaque?: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
}

/** `Digest a=b, c="d"` → lower-cased names to unquoted values; undefined unless Digest and well-formed. */
function parseDigestParams(value: string): Map<string, string> | undefined {
  const match = /^Digest[ \t]+(.*)$/is.exec(trimLws(value));
  if (!match) return undefined;
  const params = new Map<string, string>();
  for (const item of splitHeaderList(match[1] ?? "")) {
    if (item === "") continue;
    const eq = item.indexOf("=");
    if (eq <= 0) return undefined;
    const name = trimLws(item.slice(0, eq)).toLowerCase();
    const raw = trimLws(item.slice(eq + 1));
    if (!isToken(name)) return undefined;
    if (raw.startsWith('"')) {
      if (endOfQuotedString(raw, 0) !== raw.length) return undefined;
      params.set(name, unquote(raw));
    } else {
      if (!isToken(raw)) return undefined;
      params.set(name, raw);
    }
  }
  return params;
}

export function parseDigestChallenge(value: string): DigestChallenge | undefined {
  const params = parseDigestParams(value);
  const realm = params?.get("realm");
  const nonce = params?.get("nonce");
  if (!params || realm === undefined || nonce === undefined) return undefined;
  const challenge: DigestChallenge = { realm, nonce };
  const opaque = params.get("opaque");
  const algorithm = params.get("algorithm");
  const qop = params.get("qop");
  if (opaque !== undefined) challenge.opaque = opaque;
  if (algorithm !== undefined) challenge.algorithm = algorithm;
  if (qop !== undefined) challenge.qop = qop.split(",").map((option) => option.trim().toLowerCase()).filter(Boolean);
  if (params.get("stale")?.toLowerCase() === "true") challenge.stale = true;
  return challenge;
}

export function parseDigestCredentials(value: string): DigestCredentials | undefined {
  const params = parseDigestParams(value);
  if (!params) return undefined;
  const required = ["username", "realm", "nonce", "uri", "response"].map((name) => params.get(name));
  const [username, realm, nonce, uri, response] = required;
  if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) {
    return undefined;
  }
  const credentials: DigestCredentials = { username, realm, nonce, uri, response };
  for (const name of ["algorithm", "opaque", "qop", "nc", "cnonce"] as const) {
    const optional = params.get(name);
    if (optional !== undefined) credentials[name] = optional;
  }
  return credentials;
}

export interface DigestChallengeOptions {
  realm: string;
  nonce: string;
  opaque?: string;
  /** Offer qop="auth" (RFC 2617); many GB28181 devices only do the RFC 2069 form, so it is opt-in. */
  qop?: boolean;
  stale?: boolean;
}

/** The value of a WWW-Authenticate header carrying an MD5 Digest challenge. */
export function createDigestChallenge(options: DigestChallengeOptions): string {
  const parts = [`realm=${quote(options.realm)}`, `nonce=${quote(options.nonce)}`];
  if (options.opaque !== undefined) parts.push(`opaque=${quote(options.opaque)}`);
  parts.push("algorithm=MD5");
  if (options.qop) parts.push('qop="auth"');
  if (options.stale) parts.push("stale=true");
  return `Digest ${parts.join(", ")}`;
}

const md5 = (text: string) => createHash("md5").update(text, "utf8").digest("hex");

export interface DigestInput {
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  /** "auth" for the RFC 2617 form; absent for the RFC 2069 form. */
  qop?: string;
  nc?: string;
  cnonce?: string;
}

/** The request-digest of RFC 2617 §3.2.2.1 with algorithm MD5. */
export function computeDigestResponse(input: DigestInput): string {
  const ha1 = md5(`${input.username}:${input.realm}:${input.password}`);
  const ha2 = md5(`${input.method}:${input.uri}`);
  return input.qop
    ? md5(`${ha1}:${input.nonce}:${input.nc ?? ""}:${input.cnonce ?? ""}:${input.qop}:${ha2}`)
    : md5(`${ha1}:${input.nonce}:${ha2}`);
}

export type DigestNonceStatus = "valid" | "stale" | "invalid";

export interface DigestVerifyOptions {
  method: string;
  realm: string;
  password: string;
  /** Nonce validation, e.g. DigestNonceIssuer#check; skipped when absent. */
  checkNonce?: (nonce: string) => DigestNonceStatus;
}

export type DigestVerifyResult =
  | { ok: true }
  | { ok: false; reason: "unsupported-algorithm" | "unsupported-qop" | "realm-mismatch" | "invalid-nonce" | "stale-nonce" | "bad-response" };

/**
 * Checks credentials against the password. The digest uri is used as sent, not
 * compared with the Request-URI: GB28181 devices put the platform ID
 * (sip:<id>@<domain>) there while the Request-URI carries an IP.
 * A stale nonce with a correct response should be answered with stale=true.
 */
export function verifyDigest(credentials: DigestCredentials, options: DigestVerifyOptions): DigestVerifyResult {
  if (credentials.algorithm !== undefined && credentials.algorithm.toUpperCase() !== "MD5") {
    return { ok: false, reason: "unsupported-algorithm" };
  }
  const qop = credentials.qop?.toLowerCase();
  if (qop !== undefined && (qop !== "auth" || !credentials.nc || !credentials.cnonce)) {
    return { ok: false, reason: "unsupported-qop" };
  }
  if (credentials.realm !== options.realm) return { ok: false, reason: "realm-mismatch" };
  const nonceStatus = options.checkNonce?.(credentials.nonce) ?? "valid";
  if (nonceStatus === "invalid") return { ok: false, reason: "invalid-nonce" };

  const expected = Buffer.from(computeDigestResponse({ ...credentials, method: options.method, password: options.password }));
  const received = Buffer.from(credentials.response.toLowerCase());
  if (expected.length !== received.length || !timingSafeEqual(expected, received)) return { ok: false, reason: "bad-response" };
  return nonceStatus === "stale" ? { ok: false, reason: "stale-nonce" } : { ok: true };
}

export interface DigestAuthorizationOptions {
  /** The WWW-Authenticate value or its parsed form. */
  challenge: string | DigestChallenge;
  username: string;
  password: string;
  method: string;
  uri: string;
  /** Client nonce (random when absent); used only when the challenge offers qop=auth. */
  cnonce?: string;
  /** Nonce count (1 when absent). */
  nonceCount?: number;
}

/** The Authorization header value answering a challenge; undefined when the challenge is unusable (not Digest/MD5). */
export function buildDigestAuthorization(options: DigestAuthorizationOptions): string | undefined {
  const challenge = typeof options.challenge === "string" ? parseDigestChallenge(options.challenge) : options.challenge;
  if (!challenge) return undefined;
  if (challenge.algorithm !== undefined && challenge.algorithm.toUpperCase() !== "MD5") return undefined;
  const useQop = challenge.qop?.includes("auth") ?? false;
  if (challenge.qop !== undefined && !useQop) return undefined;
  const cnonce = options.cnonce ?? randomBytes(8).toString("hex");
  const nc = (options.nonceCount ?? 1).toString(16).padStart(8, "0");
  const response = computeDigestResponse({
    username: options.username,
    realm: challenge.realm,
    password: options.password,
    method: options.method,
    uri: options.uri,
    nonce: challenge.nonce,
    ...(useQop ? { qop: "auth", nc, cnonce } : {}),
  });
  const parts = [
    `username=${quote(options.username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(options.uri)}`,
    `response=${quote(response)}`,
    "algorithm=MD5",
  ];
  if (useQop) parts.push(`cnonce=${quote(cnonce)}`, "qop=auth", `nc=${nc}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  return `Digest ${parts.join(", ")}`;
}
