import { describe, expect, it } from "vitest";
import {
  buildDigestAuthorization,
  computeDigestResponse,
  createDigestChallenge,
  createDigestNonceIssuer,
  parseDigestChallenge,
  parseDigestCredentials,
  verifyDigest,
} from "../src/index.js";

// RFC 2617 §3.5, with SIP in place of HTTP only in spirit: the arithmetic is the same.
const RFC2617_AUTHORIZATION =
  'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ' +
  'uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", ' +
  'response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"';

// Hikvision-style REGISTER: no qop (RFC 2069 form), uri is the platform ID, not the Request-URI.
// response = MD5(MD5("34020000001320000001:3402000000:12345678"):9bd055f8b4a6e2d7:MD5("REGISTER:sip:34020000002000000001@3402000000"))
const HIKVISION_AUTHORIZATION =
  'Digest username="34020000001320000001", realm="3402000000", nonce="9bd055f8b4a6e2d7", ' +
  'uri="sip:34020000002000000001@3402000000", response="cea74db1e6df3a689362bb3c094d8976", algorithm=MD5';

describe("digest authentication", () => {
  it("parses and verifies the RFC 2617 §3.5 example (qop=auth)", () => {
    const credentials = parseDigestCredentials(RFC2617_AUTHORIZATION);
    expect(credentials).toMatchObject({ username: "Mufasa", qop: "auth", nc: "00000001", cnonce: "0a4f113b" });
    if (!credentials) return;
    expect(verifyDigest(credentials, { method: "GET", realm: "testrealm@host.com", password: "Circle Of Life" })).toEqual({ ok: true });
    expect(verifyDigest(credentials, { method: "GET", realm: "testrealm@host.com", password: "circle of life" })).toEqual({
      ok: false,
      reason: "bad-response",
    });
  });

  it("verifies a GB28181 REGISTER without qop", () => {
    const credentials = parseDigestCredentials(HIKVISION_AUTHORIZATION);
    if (!credentials) throw new Error("unparsed");
    expect(credentials.uri).toBe("sip:34020000002000000001@3402000000");
    expect(verifyDigest(credentials, { method: "REGISTER", realm: "3402000000", password: "12345678" })).toEqual({ ok: true });
    expect(verifyDigest(credentials, { method: "INVITE", realm: "3402000000", password: "12345678" }).ok).toBe(false);
    expect(verifyDigest(credentials, { method: "REGISTER", realm: "3402000001", password: "12345678" })).toEqual({
      ok: false,
      reason: "realm-mismatch",
    });
  });

  it("refuses qop=auth without nc/cnonce and non-MD5 algorithms", () => {
    const noCnonce = parseDigestCredentials(RFC2617_AUTHORIZATION.replace('cnonce="0a4f113b", ', ""));
    if (!noCnonce) throw new Error("unparsed");
    expect(verifyDigest(noCnonce, { method: "GET", realm: "testrealm@host.com", password: "Circle Of Life" }).ok).toBe(false);
    const sha = parseDigestCredentials(HIKVISION_AUTHORIZATION.replace("algorithm=MD5", "algorithm=SHA-256"));
    if (!sha) throw new Error("unparsed");
    expect(verifyDigest(sha, { method: "REGISTER", realm: "3402000000", password: "12345678" })).toEqual({
      ok: false,
      reason: "unsupported-algorithm",
    });
  });

  it("builds a challenge that the client side can parse", () => {
    const value = createDigestChallenge({ realm: "3402000000", nonce: "abc", opaque: "op", qop: true });
    expect(value).toBe('Digest realm="3402000000", nonce="abc", opaque="op", algorithm=MD5, qop="auth"');
    expect(parseDigestChallenge(value)).toEqual({ realm: "3402000000", nonce: "abc", opaque: "op", algorithm: "MD5", qop: ["auth"] });
    expect(parseDigestChallenge(createDigestChallenge({ realm: "r", nonce: "n", stale: true }))?.stale).toBe(true);
  });

  it("builds the Hikvision-style Authorization for a challenge without qop", () => {
    const header = buildDigestAuthorization({
      challenge: 'Digest realm="3402000000", nonce="9bd055f8b4a6e2d7", algorithm=MD5',
      username: "34020000001320000001",
      password: "12345678",
      method: "REGISTER",
      uri: "sip:34020000002000000001@3402000000",
    });
    expect(header).toBe(HIKVISION_AUTHORIZATION);
  });

  it("builds a qop=auth Authorization reproducing the RFC 2617 response", () => {
    const header = buildDigestAuthorization({
      challenge: 'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
      username: "Mufasa",
      password: "Circle Of Life",
      method: "GET",
      uri: "/dir/index.html",
      cnonce: "0a4f113b",
    });
    const credentials = header ? parseDigestCredentials(header) : undefined;
    expect(credentials).toMatchObject({ response: "6629fae49393a05397450978507c4ef1", nc: "00000001", qop: "auth", opaque: "5ccc069c403ebaf9f0171e9517f40e41" });
  });

  it("round-trips client and server with a random cnonce", () => {
    const header = buildDigestAuthorization({
      challenge: createDigestChallenge({ realm: "3402000000", nonce: "n1", qop: true }),
      username: "34020000001110000001",
      password: "pw",
      method: "REGISTER",
      uri: "sip:34020000002000000001@192.168.1.10:5060",
    });
    const credentials = header ? parseDigestCredentials(header) : undefined;
    if (!credentials) throw new Error("unparsed");
    expect(verifyDigest(credentials, { method: "REGISTER", realm: "3402000000", password: "pw" })).toEqual({ ok: true });
  });

  it("refuses challenges it cannot answer and malformed headers", () => {
    const base = { username: "u", password: "p", method: "REGISTER", uri: "sip:a@b" };
    expect(buildDigestAuthorization({ ...base, challenge: 'Basic realm="x"' })).toBeUndefined();
    expect(buildDigestAuthorization({ ...base, challenge: 'Digest realm="x", nonce="n", algorithm=SHA-256' })).toBeUndefined();
    expect(buildDigestAuthorization({ ...base, challenge: 'Digest realm="x", nonce="n", qop="auth-int"' })).toBeUndefined();
    expect(parseDigestCredentials('Digest username="u", realm="r"')).toBeUndefined();
    expect(parseDigestCredentials('Digest username="u, realm="r", nonce="n", uri="u", response="x"')).toBeUndefined();
    expect(parseDigestCredentials("NoOneKnowsThisScheme opaque-data=here")).toBeUndefined();
  });

  it("computes the RFC 2069 form when no qop is given", () => {
    expect(
      computeDigestResponse({
        username: "34020000001320000001",
        realm: "3402000000",
        password: "12345678",
        method: "REGISTER",
        uri: "sip:34020000002000000001@3402000000",
        nonce: "9bd055f8b4a6e2d7",
      }),
    ).toBe("cea74db1e6df3a689362bb3c094d8976");
  });
});

describe("createDigestNonceIssuer", () => {
  it("accepts its own nonces until the TTL, then reports them stale", () => {
    let now = 1_700_000_000_000;
    const issuer = createDigestNonceIssuer({ secret: "s3cret", ttlMs: 60_000, now: () => now });
    const nonce = issuer.issue();
    expect(issuer.check(nonce)).toBe("valid");
    now += 60_000;
    expect(issuer.check(nonce)).toBe("valid");
    now += 1;
    expect(issuer.check(nonce)).toBe("stale");
  });

  it("binds a nonce to whom it was issued: the same nonce checks invalid for anyone else", () => {
    const issuer = createDigestNonceIssuer({ secret: "s3cret" });
    const nonce = issuer.issue("udp:192.0.2.7");
    expect(issuer.check(nonce, "udp:192.0.2.7")).toBe("valid");
    expect(issuer.check(nonce, "udp:192.0.2.8")).toBe("invalid");
    expect(issuer.check(nonce, "tcp:192.0.2.7")).toBe("invalid");
    expect(issuer.check(nonce)).toBe("invalid");
  });

  it("rejects forged, altered and foreign nonces", () => {
    const now = () => 1_700_000_000_000;
    const issuer = createDigestNonceIssuer({ secret: "s3cret", now });
    const nonce = issuer.issue();
    const flipped = nonce.slice(0, 5) + (nonce[5] === "0" ? "1" : "0") + nonce.slice(6);
    expect(issuer.check(flipped)).toBe("invalid");
    expect(issuer.check("abc")).toBe("invalid");
    expect(createDigestNonceIssuer({ secret: "other", now }).check(nonce)).toBe("invalid");
  });

  it("plugs into verifyDigest: a stale nonce with a right password is reported as stale", () => {
    let now = 0;
    const issuer = createDigestNonceIssuer({ secret: "k", ttlMs: 1000, now: () => now });
    const nonce = issuer.issue();
    const header = buildDigestAuthorization({ challenge: { realm: "r", nonce }, username: "u", password: "p", method: "REGISTER", uri: "sip:r" });
    const credentials = header ? parseDigestCredentials(header) : undefined;
    if (!credentials) throw new Error("unparsed");
    const options = { method: "REGISTER", realm: "r", password: "p", checkNonce: issuer.check };
    expect(verifyDigest(credentials, options)).toEqual({ ok: true });
    now = 5000;
    expect(verifyDigest(credentials, options)).toEqual({ ok: false, reason: "stale-nonce" });
    expect(verifyDigest({ ...credentials, nonce: "forged" }, options)).toEqual({ ok: false, reason: "invalid-nonce" });
  });
});
