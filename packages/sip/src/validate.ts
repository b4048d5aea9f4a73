import { parseCSeq } from "./cseq.js";
import { getHeader, getHeaderValues, type SipMessage } from "./message.js";
import { parseNameAddr } from "./name-addr.js";
import { parseVia } from "./via.js";

/** Why a structurally parsed message is still unusable, or undefined when it is fine. */
export function findHeaderProblem(message: SipMessage): string | undefined {
  const count = (name: string) => message.headers.filter((h) => h.name === name).length;
  // RFC 3261 §8.1.1: every request (and so its responses) carries these exactly once, Via at least once.
  for (const name of ["From", "To", "Call-ID", "CSeq"]) {
    const n = count(name);
    if (n === 0) return `missing ${name} header`;
    if (n > 1) return `multiple ${name} headers`;
  }
  const vias = getHeaderValues(message, "Via");
  if (vias.length === 0) return "missing Via header";
  if (!vias.every((via) => parseVia(via) !== undefined)) return "malformed Via header";

  for (const name of ["From", "To"]) {
    if (!parseNameAddr(getHeader(message, name) ?? "")) return `malformed ${name} header`;
  }
  const contacts = getHeaderValues(message, "Contact");
  if (!contacts.every((contact) => contact === "*" || parseNameAddr(contact) !== undefined)) {
    return "malformed Contact header";
  }
  if (!/^\S+$/.test(getHeader(message, "Call-ID") ?? "")) return "malformed Call-ID header";

  const cseq = parseCSeq(getHeader(message, "CSeq") ?? "");
  if (!cseq) return "malformed CSeq header";
  if (message.kind === "request" && cseq.method !== message.method) {
    return `CSeq method ${cseq.method} does not match request method ${message.method}`;
  }

  // §20.22: Max-Forwards is 0-255; absent is tolerated for RFC 2543 peers (RFC 4475 §3.4.1).
  const maxForwards = message.headers.filter((h) => h.name === "Max-Forwards");
  if (maxForwards.length > 1) return "multiple Max-Forwards headers";
  const hops = maxForwards[0]?.value;
  if (hops !== undefined && !(/^\d+$/.test(hops) && Number(hops) <= 255)) return "malformed Max-Forwards header";
  return undefined;
}
