import { formatParams, parseParams, type SipParams } from "./params.js";
import { endOfQuotedString, isToken, quote, skipWhitespace, unquote } from "./syntax.js";
import { parseSipUri, uriScheme } from "./uri.js";

/**
 * A name-addr or addr-spec header value (From, To, Contact, Route, Record-Route;
 * RFC 3261 §20.10/§25.1). `uri` is kept as text: non-SIP schemes (tel:, http:)
 * are legal here; use parseSipUri for the SIP ones.
 */
export interface SipNameAddr {
  displayName?: string;
  uri: string;
  /** Header parameters after the URI (tag, expires, q, ...). */
  params: SipParams;
}

/** An absoluteURI as allowed in headers; SIP URIs must also be well-formed. */
export function isValidHeaderUri(uri: string): boolean {
  const scheme = uriScheme(uri);
  if (scheme === undefined || /[\s<>"]/.test(uri)) return false;
  return scheme === "sip" || scheme === "sips" ? parseSipUri(uri) !== undefined : uri.length > scheme.length + 1;
}

function parseDisplayName(text: string): string | undefined | null {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  if (trimmed.startsWith('"')) {
    return endOfQuotedString(trimmed, 0) === trimmed.length ? unquote(trimmed) : null;
  }
  // Unquoted display names are a sequence of tokens separated by LWS.
  return trimmed.split(/\s+/).every(isToken) ? trimmed.replace(/\s+/g, " ") : null;
}

export function parseNameAddr(value: string): SipNameAddr | undefined {
  const text = value.trim();
  let i = 0;
  if (text[0] === '"') {
    i = endOfQuotedString(text, 0);
    if (i < 0) return undefined;
  }
  const open = text.indexOf("<", i);
  if (open >= 0) {
    const displayName = parseDisplayName(text.slice(0, open));
    if (displayName === null) return undefined;
    const close = text.indexOf(">", open);
    if (close < 0) return undefined;
    const uri = text.slice(open + 1, close);
    const params = parseParams(text.slice(close + 1));
    if (!isValidHeaderUri(uri) || !params) return undefined;
    return displayName === undefined ? { uri, params } : { displayName, uri, params };
  }
  if (i > 0) return undefined;
  // addr-spec form: the URI ends at the first ';' or LWS and may not carry
  // ',', '?' or ';' of its own (RFC 3261 §20: those require <>).
  let end = 0;
  while (end < text.length && text[end] !== ";" && text[end] !== " " && text[end] !== "\t") end++;
  const uri = text.slice(0, end);
  if (/[,?]/.test(uri)) return undefined;
  const params = parseParams(text.slice(skipWhitespace(text, end)));
  if (!isValidHeaderUri(uri) || !params) return undefined;
  return { uri, params };
}

export function formatNameAddr(nameAddr: SipNameAddr): string {
  const display = nameAddr.displayName === undefined ? "" : `${quote(nameAddr.displayName)} `;
  return `${display}<${nameAddr.uri}>${formatParams(nameAddr.params)}`;
}
