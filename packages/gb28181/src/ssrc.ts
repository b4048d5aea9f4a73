/**
 * GB/T 28181 SSRC strings (2016 Appendix F / 2022 Appendix G): 10 decimal digits,
 * digit 1 = 0 live / 1 history, digits 2–6 = digits 4–8 of the SIP domain ID,
 * digits 7–10 = a per-domain stream sequence. The RTP SSRC is the decimal value.
 */

export interface SsrcInput {
  readonly realtime: boolean;
  /** SIP domain ID (10 digits) or any 20-digit code of that domain. */
  readonly domain: string;
  /** 0–9999, unique among the domain's current streams. */
  readonly sequence: number;
}

export function generateSsrc(input: SsrcInput): string {
  if (!/^\d{10}(\d{10})?$/.test(input.domain)) throw new RangeError(`domain must be 10 or 20 digits: ${input.domain}`);
  if (!Number.isInteger(input.sequence) || input.sequence < 0 || input.sequence > 9999) {
    throw new RangeError(`sequence must be 0..9999: ${input.sequence}`);
  }
  return `${input.realtime ? 0 : 1}${input.domain.slice(3, 8)}${String(input.sequence).padStart(4, "0")}`;
}

export interface SsrcParts {
  readonly realtime: boolean;
  readonly domainPart: string;
  readonly sequence: number;
  /** Value carried in the RTP header's SSRC field. */
  readonly rtpSsrc: number;
}

/** Split a y= value; undefined unless it is the standard 10-digit form. */
export function parseSsrc(ssrc: string): SsrcParts | undefined {
  if (!/^[01]\d{9}$/.test(ssrc)) return undefined;
  return { realtime: ssrc[0] === "0", domainPart: ssrc.slice(1, 6), sequence: Number(ssrc.slice(6)), rtpSsrc: Number(ssrc) };
}
