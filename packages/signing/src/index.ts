export { canonicalPairs, httpString, signingKey, stringToSignOfHash } from "./canonical-text.js";
export type { ValueEncoder } from "./canonical-text.js";
export { authorizationValue, requestText } from "./request-text.js";
export type { RequestText, SignInput, SigningParts } from "./request-text.js";
export { signingUrlEncode, signingUrlEncodeKeepSlash } from "./url-encode.js";
export { webHmacSha1Hex, webSha1Hex, webSigningParts } from "./web-sign.js";
