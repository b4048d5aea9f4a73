// RFC 3261 §7.3.3 compact forms plus the extensions' ones (RFC 3265 o/u,
// RFC 3515 r, RFC 3892 b, RFC 4028 x, RFC 4474 y).
const COMPACT_FORMS: Record<string, string> = {
  i: "Call-ID", m: "Contact", e: "Content-Encoding", l: "Content-Length", c: "Content-Type",
  f: "From", s: "Subject", k: "Supported", t: "To", v: "Via", o: "Event", u: "Allow-Events",
  r: "Refer-To", b: "Referred-By", x: "Session-Expires", y: "Identity",
};

const LONG_FORMS = [
  "Accept", "Accept-Encoding", "Accept-Language", "Alert-Info", "Allow", "Allow-Events",
  "Authentication-Info", "Authorization", "Call-ID", "Call-Info", "Contact", "Content-Disposition",
  "Content-Encoding", "Content-Language", "Content-Length", "Content-Type", "CSeq", "Date",
  "Error-Info", "Event", "Expires", "From", "Identity", "In-Reply-To", "Max-Forwards", "MIME-Version",
  "Min-Expires", "Organization", "Priority", "Proxy-Authenticate", "Proxy-Authorization",
  "Proxy-Require", "RAck", "Record-Route", "Refer-To", "Referred-By", "Reply-To", "Require",
  "Retry-After", "Route", "RSeq", "Server", "Session-Expires", "Subject", "Subscription-State",
  "Supported", "Timestamp", "To", "Unsupported", "User-Agent", "Via", "Warning", "WWW-Authenticate",
];

const CANONICAL = new Map<string, string>([
  ...Object.entries(COMPACT_FORMS),
  ...LONG_FORMS.map((name): [string, string] => [name.toLowerCase(), name]),
]);

/** Headers whose values are comma-separated lists (RFC 3261 §7.3.1). */
const LIST_HEADERS = new Set([
  "Accept", "Accept-Encoding", "Accept-Language", "Alert-Info", "Allow", "Allow-Events", "Call-Info",
  "Contact", "Content-Encoding", "Content-Language", "Error-Info", "In-Reply-To", "Proxy-Require",
  "Record-Route", "Require", "Route", "Supported", "Unsupported", "Via", "Warning",
]);

/** The long canonical spelling of a known header (any case, compact or not); unknown names unchanged. */
export function canonicalHeaderName(name: string): string {
  return CANONICAL.get(name.toLowerCase()) ?? name;
}

export function isListHeader(canonicalName: string): boolean {
  return LIST_HEADERS.has(canonicalName);
}
