/**
 * UrlEncode of spec 01 §1.1: UTF-8 percent-encoding where only `A–Z a–z 0–9 - . _ ~` stay literal and
 * escapes are upper-case hex. encodeURIComponent already escapes everything else in the table except
 * `! ' ( ) *`, which the table lists too.
 */
export function signingUrlEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The encoding worked example 2 of spec 01 §1.4 actually hashed: the table's encoding except `/`, which
 * it left literal. Accepted only as an alternative form for header values (spec 01 §1.5).
 */
export function signingUrlEncodeKeepSlash(text: string): string {
  return signingUrlEncode(text).replace(/%2F/g, "/");
}
