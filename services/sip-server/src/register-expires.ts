import { getHeader, getHeaderValues, parseNameAddr, type SipRequest } from "@ivc/sip";

/** Registrations longer than a day are cut to it, so a dead device cannot linger for weeks. */
export const MAX_REGISTER_EXPIRES = 86_400;
/** What a REGISTER without Expires gets (RFC 3261 §10.2.1.1 suggests 3600). */
export const DEFAULT_REGISTER_EXPIRES = 3600;

/**
 * Seconds the device asks for (RFC 3261 §10.2.1.1): the Contact's expires parameter wins over the
 * Expires header; `Contact: *` means remove. 0 unregisters. Undefined for an unreadable value.
 */
export function requestedExpires(request: SipRequest): number | undefined {
  const contact = getHeaderValues(request, "Contact")[0];
  if (contact?.trim() === "*") return 0;
  const fromContact = contact === undefined ? undefined : parseNameAddr(contact)?.params.expires;
  const text = fromContact ?? getHeader(request, "Expires");
  if (text === undefined || text === null) return DEFAULT_REGISTER_EXPIRES;
  if (!/^\d{1,10}$/.test(text.trim())) return undefined;
  return Math.min(Number(text.trim()), MAX_REGISTER_EXPIRES);
}

/** The Contact URI of a REGISTER, or "" when absent. */
export function contactUri(request: SipRequest): string {
  const contact = getHeaderValues(request, "Contact")[0];
  return contact === undefined ? "" : (parseNameAddr(contact)?.uri ?? "");
}
