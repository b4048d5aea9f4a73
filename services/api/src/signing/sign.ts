import { authorizationValue, requestText, type SignInput, type SigningParts } from "@ivc/signing";
import { signatureOf, signKeyOf, stringToSign } from "./canonical.js";

export type { SignInput, SigningParts };

/** Spec 01 §1.2 with Node's crypto; the text steps are @ivc/signing's, shared with the web console's Web Crypto signer. */
export function signingParts(input: SignInput): SigningParts {
  const text = requestText(input);
  const toSign = stringToSign(text.keyTime, text.httpString);
  const signature = signatureOf(signKeyOf(input.secretKey, text.keyTime), toSign);
  return { keyTime: text.keyTime, httpString: text.httpString, stringToSign: toSign, signature, authorization: authorizationValue(input.secretId, text, signature) };
}

/** Builds the Authorization value of spec 01 §1.2 (used by the CLI, the bench and tests). */
export function signAuthorization(input: SignInput): string {
  return signingParts(input).authorization;
}
