import { createHash, createHmac } from "node:crypto";
import { signingUrlEncode } from "./url-encode.js";

export type ValueEncoder = (value: string) => string;

/** Spec 01 §1.2 step 3: lower-case the key, UrlEncode it, lower-case again. */
export function signingKey(name: string): string {
  return signingUrlEncode(name.toLowerCase()).toLowerCase();
}

/**
 * Steps 3–4: `key=value&…` over the given keys in dictionary order (HttpParameters / HttpHeaders)
 * and `key;key` (UrlParamList / HeaderList). `values` is keyed by signingKey().
 */
export function canonicalPairs(
  keys: readonly string[],
  values: ReadonlyMap<string, string>,
  encodeValue: ValueEncoder,
): { joined: string; list: string } {
  const sorted = [...keys].sort();
  const joined = sorted.map((k) => `${k}=${encodeValue(values.get(k) ?? "")}`).join("&");
  return { joined, list: sorted.join(";") };
}

/** Step 5. */
export function httpString(method: string, pathname: string, httpParameters: string, httpHeaders: string): string {
  return `${method.toLowerCase()}\n${pathname}\n${httpParameters}\n${httpHeaders}\n`;
}

export function sha1Hex(text: string): string {
  return createHash("sha1").update(text, "utf8").digest("hex");
}

export function hmacSha1Hex(key: string, message: string): string {
  return createHmac("sha1", key).update(message, "utf8").digest("hex");
}

/** Step 2: SignKey = HMAC-SHA1(SecretKey, KeyTime) as lowercase hex. */
export function signKeyOf(secretKey: string, keyTime: string): string {
  return hmacSha1Hex(secretKey, keyTime);
}

/** Step 6 (note the trailing LF). */
export function stringToSign(keyTime: string, httpStringText: string): string {
  return `sha1\n${keyTime}\n${sha1Hex(httpStringText)}\n`;
}

/** Step 7: the HMAC key is SignKey's hex text, not its raw bytes (verified against both examples, §1.5). */
export function signatureOf(signKey: string, stringToSignText: string): string {
  return hmacSha1Hex(signKey, stringToSignText);
}
