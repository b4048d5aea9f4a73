import { formatCSeq, parseCSeq } from "./cseq.js";
import { canonicalHeaderName } from "./header-names.js";
import { generateTag } from "./ids.js";
import { getHeader, getHeaderValues, type SipHeader, type SipRequest, type SipResponse } from "./message.js";
import { formatNameAddr, parseNameAddr, type SipNameAddr } from "./name-addr.js";
import { reasonPhrase } from "./reason-phrases.js";
import { formatVia, type SipVia } from "./via.js";

export interface ResponseOptions {
  reason?: string;
  /** To-tag to add when the request's To has none (generated otherwise; not added to 100). */
  toTag?: string;
  /** Extra headers, e.g. [["Contact", "<sip:...>"], ["WWW-Authenticate", "..."]]. */
  headers?: Array<[string, string]>;
  body?: Buffer;
  contentType?: string;
}

function header(name: string, value: string): SipHeader {
  return { name: canonicalHeaderName(name), value };
}

function extraHeaders(headers: Array<[string, string]> | undefined, contentType: string | undefined, body: Buffer): SipHeader[] {
  const extra = (headers ?? []).map(([name, value]) => header(name, value));
  if (contentType !== undefined && body.length > 0) extra.push(header("Content-Type", contentType));
  return extra;
}

function toWithTag(to: string, tag: string): string {
  const parsed = parseNameAddr(to);
  // A To we cannot parse is echoed untouched (e.g. when answering it with 400).
  if (!parsed || parsed.params.tag) return to;
  return `${to};tag=${tag}`;
}

/**
 * A response to `request` (RFC 3261 §8.2.6): Via lines, From, Call-ID and CSeq
 * copied, To copied with a tag added unless the status is 100 (§8.2.6.2).
 */
export function createResponse(request: SipRequest, status: number, options: ResponseOptions = {}): SipResponse {
  const copied: SipHeader[] = [];
  for (const h of request.headers) {
    if (h.name === "Via" || h.name === "From" || h.name === "Call-ID" || h.name === "CSeq") copied.push({ ...h });
    else if (h.name === "To") copied.push({ name: "To", value: status === 100 ? h.value : toWithTag(h.value, options.toTag ?? generateTag()) });
    // §8.2.6.1: a 100 Trying echoes the request's Timestamp.
    else if (h.name === "Timestamp" && status === 100) copied.push({ ...h });
  }
  const body = options.body ?? Buffer.alloc(0);
  return {
    kind: "response",
    status,
    reason: options.reason ?? reasonPhrase(status),
    headers: [...copied, ...extraHeaders(options.headers, options.contentType, body)],
    body,
  };
}

export interface RequestOptions {
  method: string;
  uri: string;
  via: SipVia;
  from: SipNameAddr;
  to: SipNameAddr;
  callId: string;
  cseq: number;
  contact?: SipNameAddr;
  maxForwards?: number;
  /** Route header values, in order. */
  route?: string[];
  headers?: Array<[string, string]>;
  body?: Buffer;
  contentType?: string;
}

/** A new request (RFC 3261 §8.1.1) with the mandatory headers in conventional order. */
export function createRequest(options: RequestOptions): SipRequest {
  const body = options.body ?? Buffer.alloc(0);
  const headers: SipHeader[] = [
    header("Via", formatVia(options.via)),
    header("From", formatNameAddr(options.from)),
    header("To", formatNameAddr(options.to)),
    header("Call-ID", options.callId),
    header("CSeq", formatCSeq({ seq: options.cseq, method: options.method })),
    ...(options.route ?? []).map((route) => header("Route", route)),
  ];
  if (options.contact) headers.push(header("Contact", formatNameAddr(options.contact)));
  headers.push(header("Max-Forwards", String(options.maxForwards ?? 70)));
  headers.push(...extraHeaders(options.headers, options.contentType, body));
  return { kind: "request", method: options.method, uri: options.uri, headers, body };
}

function pick(request: SipRequest, names: string[]): SipHeader[] {
  return request.headers.filter((h) => names.includes(h.name)).map((h) => ({ ...h }));
}

function derivedRequest(request: SipRequest, method: string, to: string): SipRequest {
  const seq = parseCSeq(getHeader(request, "CSeq") ?? "")?.seq;
  if (seq === undefined) throw new Error("derived request needs a request with a valid CSeq");
  const topVia = getHeaderValues(request, "Via")[0];
  if (topVia === undefined) throw new Error("derived request needs a request with a Via");
  return {
    kind: "request",
    method,
    uri: request.uri,
    headers: [
      header("Via", topVia),
      ...pick(request, ["From"]),
      header("To", to),
      ...pick(request, ["Call-ID"]),
      header("CSeq", formatCSeq({ seq, method })),
      ...pick(request, ["Route"]),
      header("Max-Forwards", "70"),
    ],
    body: Buffer.alloc(0),
  };
}

/**
 * The ACK a client INVITE transaction sends for a non-2xx final response
 * (RFC 3261 §17.1.1.3): same Request-URI, top Via, From, Call-ID, CSeq number
 * and Route as the INVITE; To from the response (it carries the tag).
 */
export function createAck(invite: SipRequest, response: SipResponse): SipRequest {
  return derivedRequest(invite, "ACK", getHeader(response, "To") ?? getHeader(invite, "To") ?? "");
}

/** CANCEL for a pending request (RFC 3261 §9.1): mirrors it with method CANCEL. */
export function createCancel(request: SipRequest): SipRequest {
  return derivedRequest(request, "CANCEL", getHeader(request, "To") ?? "");
}
