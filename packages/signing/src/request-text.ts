import { canonicalPairs, httpString, signingKey } from "./canonical-text.js";
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

/** The text steps before any hashing: KeyTime, HttpString and the two name lists. */
export interface RequestText {
  readonly keyTime: string;
  readonly httpString: string;
  readonly headerList: string;
  readonly urlParamList: string;
}

export function requestText(input: SignInput): RequestText {
  const keyTime = `${input.startSeconds};${input.startSeconds + input.validSeconds}`;
  const toMap = (record: Readonly<Record<string, string>>): Map<string, string> =>
    new Map(Object.entries(record).map(([k, v]) => [signingKey(k), v]));
  const query = toMap(input.query ?? {});
  const headers = toMap(input.headers);
  const params = canonicalPairs([...query.keys()], query, signingUrlEncode);
  const heads = canonicalPairs([...headers.keys()], headers, signingUrlEncode);
  return { keyTime, httpString: httpString(input.method, input.pathname, params.joined, heads.joined), headerList: heads.list, urlParamList: params.list };
}

/** Step 8: the Authorization value. */
export function authorizationValue(secretId: string, text: RequestText, signature: string): string {
  return [
    "q-sign-algorithm=sha1",
    `q-ak=${secretId}`,
    `q-sign-time=${text.keyTime}`,
    `q-key-time=${text.keyTime}`,
    `q-header-list=${text.headerList}`,
    `q-url-param-list=${text.urlParamList}`,
    `q-signature=${signature}`,
  ].join("&");
}
