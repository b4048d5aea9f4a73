/** Annex-B byte-stream helpers (ITU-T H.264 Annex B, shared by H.265). */

/** Index of the next 00 00 01 start code prefix at or after `from`, or -1. */
export function findStartCode(data: Uint8Array, from = 0): number {
  for (let i = Math.max(0, from); i + 2 < data.length; i++) {
    if (data[i + 2]! > 1) {
      i += 2;
      continue;
    }
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) return i;
  }
  return -1;
}

/**
 * NAL units of an Annex-B buffer, as views into it. Bytes before the first start code are
 * ignored; trailing zero bytes (trailing_zero_8bits, or the leading zero of a 4-byte start code)
 * are trimmed from each unit.
 */
export function splitAnnexB(data: Buffer): Buffer[] {
  const nals: Buffer[] = [];
  let start = findStartCode(data);
  while (start >= 0) {
    const bodyStart = start + 3;
    const next = findStartCode(data, bodyStart);
    let end = next < 0 ? data.length : next;
    while (end > bodyStart && data[end - 1] === 0) end--;
    if (end > bodyStart) nals.push(data.subarray(bodyStart, end));
    start = next;
  }
  return nals;
}

const START_CODE = Buffer.from([0, 0, 0, 1]);

export function joinAnnexB(nals: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const nal of nals) parts.push(START_CODE, nal);
  return Buffer.concat(parts);
}

/** NAL units with 4-byte big-endian length prefixes (ISO 14496-15 sample format, lengthSizeMinusOne = 3). */
export function toLengthPrefixed(nals: readonly Buffer[]): Buffer {
  const out = Buffer.allocUnsafe(lengthPrefixedSize(nals));
  writeLengthPrefixed(nals, out, 0);
  return out;
}

export function lengthPrefixedSize(nals: readonly Buffer[]): number {
  let total = 0;
  for (const nal of nals) total += 4 + nal.length;
  return total;
}

/** Writes `toLengthPrefixed(nals)` into `out` at `offset`, for callers that build the enclosing buffer in one allocation. */
export function writeLengthPrefixed(nals: readonly Buffer[], out: Buffer, offset: number): void {
  for (const nal of nals) {
    out.writeUInt32BE(nal.length, offset);
    nal.copy(out, offset + 4);
    offset += 4 + nal.length;
  }
}

/** Removes emulation_prevention_three_byte (H.264 §7.4.1) so the RBSP can be bit-parsed. */
export function unescapeRbsp(nal: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(nal.length);
  let n = 0;
  let zeros = 0;
  for (let i = 0; i < nal.length; i++) {
    const b = nal[i]!;
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    zeros = b === 0 ? zeros + 1 : 0;
    out[n++] = b;
  }
  return out.subarray(0, n);
}
