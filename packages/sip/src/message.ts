import { canonicalHeaderName, isListHeader } from "./header-names.js";
import { splitHeaderList } from "./syntax.js";

/** One header line as received (folding undone); `name` is canonical (see canonicalHeaderName). */
export interface SipHeader {
  name: string;
  value: string;
}

export interface SipRequest {
  kind: "request";
  method: string;
  /** Request-URI as text; parseSipUri gives its parts for sip:/sips:. */
  uri: string;
  headers: SipHeader[];
  /** Raw body bytes, never decoded (GB28181 bodies are often GB2312). */
  body: Buffer;
}

export interface SipResponse {
  kind: "response";
  status: number;
  reason: string;
  headers: SipHeader[];
  body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

function sameHeader(header: SipHeader, name: string): boolean {
  return header.name.toLowerCase() === canonicalHeaderName(name).toLowerCase();
}

/** The first line's value of a header (compact or long name, any case). */
export function getHeader(message: SipMessage, name: string): string | undefined {
  return message.headers.find((header) => sameHeader(header, name))?.value;
}

/** Every value of a header in order, comma lists split for list headers (Via, Contact, Route...). */
export function getHeaderValues(message: SipMessage, name: string): string[] {
  const lines = message.headers.filter((header) => sameHeader(header, name)).map((header) => header.value);
  return isListHeader(canonicalHeaderName(name)) ? lines.flatMap(splitHeaderList) : lines;
}

/** A copy with every `name` line replaced by one line (appended when absent). */
export function withHeader<M extends SipMessage>(message: M, name: string, value: string): M {
  const canonical = canonicalHeaderName(name);
  const index = message.headers.findIndex((header) => sameHeader(header, name));
  const others = message.headers.filter((header) => !sameHeader(header, name));
  const headers = [...others];
  headers.splice(index < 0 ? others.length : index, 0, { name: canonical, value });
  return { ...message, headers };
}

export function withoutHeader<M extends SipMessage>(message: M, name: string): M {
  return { ...message, headers: message.headers.filter((header) => !sameHeader(header, name)) };
}

/** A copy with `value` as the first line of `name` (e.g. a new top Via). */
export function withHeaderPrepended<M extends SipMessage>(message: M, name: string, value: string): M {
  return { ...message, headers: [{ name: canonicalHeaderName(name), value }, ...message.headers] };
}
