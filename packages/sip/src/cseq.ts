import { isToken } from "./syntax.js";

export interface SipCSeq {
  seq: number;
  method: string;
}

/** RFC 3261 §8.1.1.5: the sequence number MUST be below 2**31. */
export const MAX_CSEQ = 2 ** 31 - 1;

export function parseCSeq(value: string): SipCSeq | undefined {
  const match = /^(\d{1,10})\s+(\S+)$/.exec(value.trim());
  if (!match) return undefined;
  const seq = Number(match[1]);
  const method = match[2] ?? "";
  if (seq > MAX_CSEQ || !isToken(method)) return undefined;
  return { seq, method };
}

export function formatCSeq(cseq: SipCSeq): string {
  return `${cseq.seq} ${cseq.method}`;
}
