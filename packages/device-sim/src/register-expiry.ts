import { getHeader, getHeaderValues, parseNameAddr } from "@ivc/sip";
import type { SipResponse } from "@ivc/sip";

/** RFC 3261 Timer F (64 × T1): how long one non-INVITE transaction may take over UDP. */
const TRANSACTION_SECONDS = 32;

function expiresNumber(text: string | null | undefined): number | undefined {
  return text !== undefined && text !== null && /^\d{1,10}$/.test(text) ? Number(text) : undefined;
}

/**
 * The registration lifetime the registrar granted (RFC 3261 §10.2.4): the expires
 * parameter of our Contact in the 200, else its Expires header, else what we asked for.
 */
export function grantedExpires(response: SipResponse, ourContactUri: string, requested: number): number {
  for (const value of getHeaderValues(response, "Contact")) {
    const contact = parseNameAddr(value);
    if (contact?.uri === ourContactUri) {
      const fromParam = expiresNumber(contact.params.expires);
      if (fromParam !== undefined) return fromParam;
    }
  }
  return expiresNumber(getHeader(response, "Expires")) ?? requested;
}

/**
 * When to re-REGISTER, in ms: early enough that a refresh retransmitted for a whole
 * transaction lifetime still lands before expiry, and never before half the lifetime.
 */
export function refreshDelayMs(expiresSeconds: number): number {
  const margin = Math.min(TRANSACTION_SECONDS, expiresSeconds / 2);
  return Math.max(0, (expiresSeconds - margin) * 1000);
}
