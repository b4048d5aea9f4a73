import type { SipMessage } from "./message.js";

function assertSingleLine(text: string, what: string): void {
  if (/[\r\n]/.test(text)) throw new Error(`${what} contains CR or LF: ${JSON.stringify(text)}`);
}

/**
 * Writes a message with the canonical header names it holds and a
 * Content-Length computed from the body bytes (any stored one is replaced).
 * Throws on CR/LF inside a start line or header value: that is header
 * injection by the caller, not network input.
 */
export function serializeSipMessage(message: SipMessage): Buffer {
  const startLine =
    message.kind === "request"
      ? `${message.method} ${message.uri} SIP/2.0`
      : `SIP/2.0 ${message.status} ${message.reason}`;
  assertSingleLine(startLine, "start line");
  const lines = [startLine];
  for (const header of message.headers) {
    if (header.name === "Content-Length") continue;
    assertSingleLine(header.name, "header name");
    assertSingleLine(header.value, `${header.name} header`);
    lines.push(`${header.name}: ${header.value}`);
  }
  lines.push(`Content-Length: ${message.body.length}`, "", "");
  return Buffer.concat([Buffer.from(lines.join("\r\n"), "utf8"), message.body]);
}
