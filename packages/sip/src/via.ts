import { formatParams, parseParams, type SipParams } from "./params.js";

/** One Via entry (RFC 3261 §20.42): `SIP/2.0/UDP host:port;branch=...`. */
export interface SipVia {
  /** "SIP/2.0" */
  protocol: string;
  /** Upper-cased transport: UDP, TCP, TLS, SCTP or an extension. */
  transport: string;
  host: string;
  port?: number;
  /** branch, received, rport, maddr, ttl... (rport without value is null). */
  params: SipParams;
}

/** RFC 3261 §8.1.1.7: branches of RFC 3261 clients start with this cookie. */
export const BRANCH_MAGIC_COOKIE = "z9hG4bK";

const TOKEN = "[A-Za-z0-9\\-.!%*_+`'~]+";
// SLASH = SWS "/" SWS; LWS is required between sent-protocol and sent-by.
const VIA = new RegExp(
  `^(${TOKEN})\\s*/\\s*(${TOKEN})\\s*/\\s*(${TOKEN})\\s+(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9\\-.]+)(?:\\s*:\\s*(\\d{1,5}))?(.*)$`,
  "s",
);

export function parseVia(value: string): SipVia | undefined {
  const match = VIA.exec(value.trim());
  if (!match) return undefined;
  const [, name = "", version = "", transport = "", host = "", portText, rest = ""] = match;
  const params = parseParams(rest);
  if (!params) return undefined;
  const via: SipVia = { protocol: `${name.toUpperCase()}/${version}`, transport: transport.toUpperCase(), host, params };
  if (portText !== undefined) {
    const port = Number(portText);
    if (port > 65535) return undefined;
    via.port = port;
  }
  return via;
}

export function formatVia(via: SipVia): string {
  const port = via.port === undefined ? "" : `:${via.port}`;
  return `${via.protocol}/${via.transport} ${via.host}${port}${formatParams(via.params)}`;
}
