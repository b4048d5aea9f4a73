import { timingSafeEqual } from "node:crypto";
import { hashSessionToken } from "../accounts/keys.js";
import type { KeyLookup } from "../accounts/key-cache.js";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import { parseAuthorization } from "../signing/authorization.js";
import type { SignedRequest } from "../signing/request.js";
import { checkSignedScope, signatureMatches } from "../signing/verify.js";
import type { Refusal, SigningPolicy } from "../signing/verify.js";

export interface AuthInput {
  readonly authorization: string | undefined;
  readonly securityToken: string | undefined;
  readonly request: SignedRequest;
}

export type Authenticator = (input: AuthInput) => Promise<Outcome<{ appId: string }>>;


/**
 * Every refusal is 41602 (无效的 Token) except expiry, which is 41601 (Token 已过期); the detail names
 * the reason and never carries key material.
 */
function refusal(r: Refusal) {
  const expired = r.reason === "expired" || r.reason === "token-expired";
  return refuse(expired ? ErrorCodes.TokenExpired : ErrorCodes.InvalidToken, r.detail);
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createAuthenticator(lookup: KeyLookup, policy: SigningPolicy, nowSeconds: () => number): Authenticator {
  return async ({ authorization, securityToken, request }) => {
    if (authorization === undefined || authorization === "") return refusal({ reason: "missing", detail: "Authorization header is missing" });
    const parsed = parseAuthorization(authorization);
    if (!parsed.ok) return refusal({ reason: "malformed", detail: `Authorization is malformed: ${parsed.reason}` });
    const auth = parsed.value;
    const now = nowSeconds();
    const scope = checkSignedScope(auth, request, policy, now);
    if (scope) return refusal(scope);
    const key = await lookup(auth.secretId);
    if (!key) return refusal({ reason: "unknown-key", detail: "SecretId is unknown or revoked" });
    if (key.sessionTokenHash !== null) {
      if (securityToken === undefined || !sameText(hashSessionToken(securityToken), key.sessionTokenHash)) {
        return refusal({ reason: "token-invalid", detail: "x-iss-security-token is missing or wrong for this temporary SecretId" });
      }
      if (key.expiresAt !== null && key.expiresAt.getTime() / 1000 < now) {
        return refusal({ reason: "token-expired", detail: "temporary credentials have expired" });
      }
    }
    if (!signatureMatches(auth, request, key.secretKey)) return refusal({ reason: "bad-signature", detail: "q-signature does not match" });
    return succeed({ appId: key.appId });
  };
}
