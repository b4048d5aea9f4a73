import { stringToSignOfHash } from "./canonical-text.js";
import { authorizationValue, requestText, type SignInput, type SigningParts } from "./request-text.js";

const utf8 = new TextEncoder();

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function webSha1Hex(text: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-1", utf8.encode(text)));
}

export async function webHmacSha1Hex(key: string, message: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey("raw", utf8.encode(key), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  return hex(await crypto.subtle.sign("HMAC", cryptoKey, utf8.encode(message)));
}

/**
 * signingParts() with Web Crypto (browsers, and Node ≥ 20 for tests): the same text steps, with
 * SignKey's hex text as the second HMAC's key as in the Node signer.
 */
export async function webSigningParts(input: SignInput): Promise<SigningParts> {
  const text = requestText(input);
  const stringToSign = stringToSignOfHash(text.keyTime, await webSha1Hex(text.httpString));
  const signKey = await webHmacSha1Hex(input.secretKey, text.keyTime);
  const signature = await webHmacSha1Hex(signKey, stringToSign);
  return { keyTime: text.keyTime, httpString: text.httpString, stringToSign, signature, authorization: authorizationValue(input.secretId, text, signature) };
}
