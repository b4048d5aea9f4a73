import { canonicalPairs, httpString, signatureOf, signingKey, signKeyOf, stringToSign } from "./canonical.js";
import { signingUrlEncode } from "./url-encode.js";

export interface SignInput {
  readonly secretId: string;
  readonly secretKey: string;
  readonly method: string;
  readonly pathname: string;
  /** Decoded query parameters; every one is signed. */
  readonly query?: Readonly<Record<string, string>>;
  /** Headers to sign; must include Host. */
  readonly headers: Readonly<Record<string, string>>;
  readonly startSeconds: number;
  readonly validSeconds: number;
}

/** Every intermediate of spec 01 §1.2, for `ivc api --explain` (a client comparing its own steps). */
export interface SigningParts {
  readonly keyTime: string;
  readonly httpString: string;
  readonly stringToSign: string;
  readonly signature: string;
  readonly authorization: string;
}

export function signingParts(input: SignInput): SigningParts {
  const keyTime = `${input.startSeconds};${input.startSeconds + input.validSeconds}`;
  const toMap = (record: Readonly<Record<string, string>>): Map<string, string> =>
    new Map(Object.entries(record).map(([k, v]) => [signingKey(k), v]));
  const query = toMap(input.query ?? {});
  const headers = toMap(input.headers);
  const params = canonicalPairs([...query.keys()], query, signingUrlEncode);
  const heads = canonicalPairs([...headers.keys()], headers, signingUrlEncode);
  const http = httpString(input.method, input.pathname, params.joined, heads.joined);
  const toSign = stringToSign(keyTime, http);
  const signature = signatureOf(signKeyOf(input.secretKey, keyTime), toSign);
  const authorization = [
    "q-sign-algorithm=sha1",
    `q-ak=${input.secretId}`,
    `q-sign-time=${keyTime}`,
    `q-key-time=${keyTime}`,
    `q-header-list=${heads.list}`,
    `q-url-param-list=${params.list}`,
    `q-signature=${signature}`,
  ].join("&");
  return { keyTime, httpString: http, stringToSign: toSign, signature, authorization };
}

/** Builds the Authorization value of spec 01 §1.2 (used by the CLI, the bench and tests). */
export function signAuthorization(input: SignInput): string {
  return signingParts(input).authorization;
}
