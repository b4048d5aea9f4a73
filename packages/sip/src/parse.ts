import { canonicalHeaderName } from "./header-names.js";
import { findHeaderSectionEnd } from "./header-section.js";
import type { SipHeader, SipMessage, SipRequest } from "./message.js";
import { isToken, isWhitespace, trimLws } from "./syntax.js";
import { parseSipUri, uriScheme } from "./uri.js";
import { findHeaderProblem } from "./validate.js";

export type SipParseResult =
  | { ok: true; message: SipMessage }
  | {
      ok: false;
      reason: string;
      /** Status a UAS should answer with (400, or 505 for another SIP version); absent for responses. */
      status?: number;
      /** The request as far as it was readable, for answering it with `status`. */
      request?: SipRequest;
    };

type StartLine =
  | { kind: "request"; method: string; uri: string }
  | { kind: "response"; status: number; reason: string };

const SIP_VERSION = /^SIP\/2\.0$/i;

type StartLineError = {
  error: string;
  status?: number;
  /** A request line that is readable but of another SIP version, still worth a 505. */
  otherVersion?: { method: string; uri: string };
};

function parseStartLine(line: string): StartLine | StartLineError {
  if (/^SIP\//i.test(line)) {
    const match = /^(SIP\/\d+\.\d+) (\d{3})(?: (.*))?$/is.exec(line);
    if (!match) return { error: "malformed status line" };
    if (!SIP_VERSION.test(match[1] ?? "")) return { error: `unsupported SIP version ${match[1]}` };
    const status = Number(match[2]);
    if (status < 100 || status > 699) return { error: `status code ${status} out of range` };
    return { kind: "response", status, reason: match[3] ?? "" };
  }
  // Request-Line = Method SP Request-URI SP SIP-Version: exactly single spaces (RFC 4475 §3.1.2.9/10).
  const parts = line.split(" ");
  if (parts.length !== 3) return { error: "malformed request line", status: 400 };
  const [method = "", uri = "", version = ""] = parts;
  if (!isToken(method)) return { error: "malformed request method", status: 400 };
  if (!/^SIP\/\d+\.\d+$/i.test(version)) return { error: "malformed request line", status: 400 };
  if (!SIP_VERSION.test(version)) return { error: `unsupported SIP version ${version}`, status: 505, otherVersion: { method, uri } };
  const scheme = uriScheme(uri);
  if (scheme === undefined || /[\s<>"]/.test(uri)) return { error: "malformed Request-URI", status: 400 };
  if (scheme === "sip" || scheme === "sips") {
    const sipUri = parseSipUri(uri);
    if (!sipUri) return { error: "malformed Request-URI", status: 400 };
    // RFC 3261 §19.1.1 table 1: headers are not allowed in a Request-URI.
    if (Object.keys(sipUri.headers).length > 0) return { error: "Request-URI carries headers", status: 400 };
  }
  return { kind: "request", method, uri };
}

function parseHeaderLines(lines: string[]): SipHeader[] | string {
  const headers: SipHeader[] = [];
  for (const line of lines) {
    if (line.includes("\r")) return "bare CR in header section";
    const last = headers[headers.length - 1];
    if (isWhitespace(line[0])) {
      // Folded line (LWS continuation, RFC 3261 §7.3.1).
      if (!last) return "continuation line before any header";
      last.value = trimLws(`${last.value} ${trimLws(line)}`);
      continue;
    }
    const colon = line.indexOf(":");
    const name = colon < 0 ? "" : trimLws(line.slice(0, colon));
    if (!isToken(name)) return "malformed header line";
    headers.push({ name: canonicalHeaderName(name), value: trimLws(line.slice(colon + 1)) });
  }
  return headers;
}

/** The header section bounds of a datagram; one ending right after a header line lacks only the empty line. */
function findDatagramHeaderEnd(data: Buffer, from: number): { headEnd: number; bodyStart: number } | undefined {
  const bounds = findHeaderSectionEnd(data, from);
  if (bounds || data[data.length - 1] !== 0x0a) return bounds;
  // Liberal: RFC 4475's own baddn.dat ends this way; such a datagram has no body.
  const headEnd = data[data.length - 2] === 0x0d ? data.length - 2 : data.length - 1;
  return { headEnd, bodyStart: data.length };
}

/**
 * Parses one SIP message from a datagram or a framed stream chunk (RFC 3261 §7).
 * Without Content-Length the body runs to the end of `data` (§18.3, datagrams);
 * octets past Content-Length are ignored (RFC 4475 §3.1.1.8). Never throws.
 */
export function parseSipMessage(data: Buffer): SipParseResult {
  let start = 0;
  // §7.5: CRLFs before the start-line are ignored (also keepalives).
  while (data[start] === 0x0d || data[start] === 0x0a) start++;
  if (start === data.length) return { ok: false, reason: "empty message" };
  const bounds = findDatagramHeaderEnd(data, start);
  if (!bounds) return { ok: false, reason: "no empty line after the header section" };

  const [startLineText = "", ...headerLines] = data.toString("utf8", start, bounds.headEnd).split(/\r?\n/);
  if (startLineText.includes("\r")) return { ok: false, reason: "bare CR in start line" };
  const startLine = parseStartLine(startLineText);
  const headers = parseHeaderLines(headerLines);
  if ("error" in startLine) {
    const { error: reason, status, otherVersion } = startLine;
    const request: SipRequest | undefined =
      otherVersion && typeof headers !== "string" ? { kind: "request", ...otherVersion, headers, body: Buffer.alloc(0) } : undefined;
    return { ok: false, reason, ...(status ? { status } : {}), ...(request ? { request } : {}) };
  }
  if (typeof headers === "string") return { ok: false, reason: headers, ...(startLine.kind === "request" ? { status: 400 } : {}) };

  let body = data.subarray(bounds.bodyStart);
  const message: SipMessage =
    startLine.kind === "request"
      ? { kind: "request", method: startLine.method, uri: startLine.uri, headers, body }
      : { kind: "response", status: startLine.status, reason: startLine.reason, headers, body };
  const fail = (reason: string): SipParseResult =>
    message.kind === "request" ? { ok: false, reason, status: 400, request: message } : { ok: false, reason };

  const lengths = headers.filter((header) => header.name === "Content-Length");
  if (lengths.length > 1) return fail("multiple Content-Length headers");
  const lengthText = lengths[0]?.value;
  if (lengthText !== undefined) {
    if (!/^\d{1,10}$/.test(lengthText)) return fail("malformed Content-Length header");
    const length = Number(lengthText);
    if (length > body.length) return fail(`Content-Length ${length} exceeds the ${body.length} body bytes received`);
    body = body.subarray(0, length);
    message.body = body;
  }

  const problem = findHeaderProblem(message);
  return problem ? fail(problem) : { ok: true, message };
}
