import { createHash, createHmac } from "node:crypto";
import { stringToSignOfHash } from "@ivc/signing";

export { canonicalPairs, httpString, signingKey } from "@ivc/signing";
export type { ValueEncoder } from "@ivc/signing";

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
  return stringToSignOfHash(keyTime, sha1Hex(httpStringText));
}

/** Step 7: the HMAC key is SignKey's hex text, not its raw bytes (verified against both examples, §1.5). */
export function signatureOf(signKey: string, stringToSignText: string): string {
  return hmacSha1Hex(signKey, stringToSignText);
}
