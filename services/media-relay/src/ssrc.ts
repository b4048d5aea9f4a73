/**
 * GB28181 SSRC values (GB/T 28181-2016 Annex F.4): ten decimal digits. The first is 0 for live
 * and 1 for playback/download, digits 2–6 are characters 4–8 of the SIP domain (the area part of
 * the 10-digit domain ID), the last four a sequence. Devices put the same number into the RTP SSRC.
 */
export type StreamKind = "live" | "playback" | "download";

export const SSRC_SEQUENCES = 10_000;

/** The five domain digits of an SSRC; `sipDomain` is the 10-digit domain ID (e.g. 3402000000). */
export function ssrcDomainPart(sipDomain: string): string {
  if (!/^\d{10}$/.test(sipDomain)) throw new Error(`SIP domain must be 10 digits, got ${JSON.stringify(sipDomain)}`);
  return sipDomain.slice(3, 8);
}

export function formatSsrc(kind: StreamKind, domainPart: string, sequence: number): string {
  if (!Number.isInteger(sequence) || sequence < 0 || sequence >= SSRC_SEQUENCES) throw new RangeError(`SSRC sequence out of range: ${sequence}`);
  return `${kind === "live" ? "0" : "1"}${domainPart}${String(sequence).padStart(4, "0")}`;
}

/** The 32-bit RTP SSRC a device sends for an SSRC string (its decimal value, at most 1999999999). */
export function ssrcToNumber(ssrc: string): number {
  return Number.parseInt(ssrc, 10) >>> 0;
}
