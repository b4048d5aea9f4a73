import { createResponse } from "../build.js";
import { getHeader, type SipMessage, type SipResponse } from "../message.js";
import { parseSipMessage } from "../parse.js";

/** What to do with one datagram or framed stream message. */
export type InboundVerdict =
  | { kind: "message"; message: SipMessage }
  | { kind: "keepalive" }
  /** Malformed: drop, and send `reply` back to the sender when present. */
  | { kind: "malformed"; reason: string; reply?: SipResponse };

const ANSWERABLE = ["Via", "From", "To", "Call-ID", "CSeq"];

export function interpretInbound(bytes: Buffer): InboundVerdict {
  if (bytes.every((byte) => byte === 0x0d || byte === 0x0a)) return { kind: "keepalive" };
  const result = parseSipMessage(bytes);
  if (result.ok) return { kind: "message", message: result.message };
  const { request } = result;
  // A 400/505 is only possible when the request carries what a response must copy
  // (RFC 3261 §8.2.6.2); an ACK is never answered (§17.2.1).
  if (!request || request.method === "ACK" || !ANSWERABLE.every((name) => getHeader(request, name) !== undefined)) {
    return { kind: "malformed", reason: result.reason };
  }
  return { kind: "malformed", reason: result.reason, reply: createResponse(request, result.status ?? 400) };
}
