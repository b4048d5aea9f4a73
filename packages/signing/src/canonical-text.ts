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

/** Step 6 over the SHA1 of HttpString (note the trailing LF). */
export function stringToSignOfHash(keyTime: string, httpStringSha1Hex: string): string {
  return `sha1\n${keyTime}\n${httpStringSha1Hex}\n`;
}
