/**
 * 20-digit device codes of GB/T 28181-2016 Annex D: centre code (8) + trade code (2) = the SIP
 * domain's 10 digits, then the type code (3), the network digit (1) and a sequence (6).
 * (A local builder: packages/gb28181 has the general helpers; see the report.)
 */
export const GB_TYPE_IPC = "132";
export const GB_TYPE_NVR = "118";
/** Annex D network digit 0–4: the video-surveillance private network. */
export const GB_NETWORK_PRIVATE = "0";
export const GB_SEQUENCE_MAX = 999_999;

export function gbCodePrefix(domain: string, typeCode: string, networkDigit = GB_NETWORK_PRIVATE): string {
  if (!/^\d{10}$/.test(domain) || !/^\d{3}$/.test(typeCode) || !/^\d$/.test(networkDigit)) {
    throw new RangeError(`cannot build a GB code prefix from ${domain}/${typeCode}/${networkDigit}`);
  }
  return `${domain}${typeCode}${networkDigit}`;
}

export function gbCode(prefix: string, sequence: number): string {
  if (!/^\d{14}$/.test(prefix) || !Number.isInteger(sequence) || sequence < 1 || sequence > GB_SEQUENCE_MAX) {
    throw new RangeError(`cannot build a GB code from ${prefix} and ${sequence}`);
  }
  return `${prefix}${String(sequence).padStart(6, "0")}`;
}
