/**
 * GB18030 / GBK encoder built from the platform's own WHATWG gb18030 decoder
 * (Node ships full ICU), so no mapping table needs to be vendored: the reverse
 * table is derived once, lazily, by decoding every valid 2-byte and BMP 4-byte
 * sequence (GB 18030-2005 §6; WHATWG Encoding §11.2).
 */

const TWO_BYTE_FLAG = 0x1_0000_0000;
const UNMAPPED = 0;

/** Per BMP code unit: 0 = unmapped, 2-byte value + TWO_BYTE_FLAG, or 4-byte linear index + 1. */
let reverseTable: Float64Array | undefined;

function buildReverseTable(): Float64Array {
  const table = new Float64Array(0x10000);
  const decoder = new TextDecoder("gb18030");

  const pairs: number[] = [];
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) {
      if (trail !== 0x7f) pairs.push((lead << 8) | trail);
    }
  }
  const twoByte = Buffer.alloc(pairs.length * 2);
  pairs.forEach((pair, i) => twoByte.writeUInt16BE(pair, i * 2));
  const twoByteText = decoder.decode(twoByte);
  if (twoByteText.length !== pairs.length) throw new Error("gb18030 decoder is not 1:1 on 2-byte sequences");
  pairs.forEach((pair, i) => {
    const unit = twoByteText.charCodeAt(i);
    if (unit !== 0xfffd && table[unit] === UNMAPPED) table[unit] = TWO_BYTE_FLAG + pair;
  });

  // 39420 = number of 4-byte sequences 0x81308130..0x8431A439 that cover the BMP.
  const bmpFourByteCount = 39420;
  const fourByte = Buffer.alloc(bmpFourByteCount * 4);
  for (let linear = 0; linear < bmpFourByteCount; linear++) writeFourByte(fourByte, linear * 4, 0x81, linear);
  const fourByteText = decoder.decode(fourByte);
  if (fourByteText.length !== bmpFourByteCount) throw new Error("gb18030 decoder is not 1:1 on 4-byte sequences");
  for (let linear = 0; linear < bmpFourByteCount; linear++) {
    const unit = fourByteText.charCodeAt(linear);
    // U+FFFD is a real 4-byte mapping (0x8431A437), unlike in the 2-byte loop above.
    if (table[unit] === UNMAPPED) table[unit] = linear + 1;
  }
  return table;
}

function writeFourByte(out: Buffer, offset: number, firstLead: number, linear: number): void {
  out[offset + 3] = 0x30 + (linear % 10);
  let rest = Math.floor(linear / 10);
  out[offset + 2] = 0x81 + (rest % 126);
  rest = Math.floor(rest / 126);
  out[offset + 1] = 0x30 + (rest % 10);
  out[offset] = firstLead + Math.floor(rest / 10);
}

export interface GbEncodeOptions {
  /** false = GBK/GB2312 (2-byte only, unmappable characters become "?"); true = full GB18030. */
  readonly fourByte: boolean;
}

/** Encode text to GB18030 (fourByte) or GBK. Never fails: unmappable characters become "?". */
export function encodeGb(text: string, options: GbEncodeOptions): Buffer {
  reverseTable ??= buildReverseTable();
  const table = reverseTable;
  const out = Buffer.alloc(text.length * 4);
  let length = 0;
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0x3f;
    if (codePoint < 0x80) {
      out[length++] = codePoint;
      continue;
    }
    if (codePoint > 0xffff) {
      if (options.fourByte) {
        // Supplementary planes map linearly from 0x90308130 (GB 18030-2005 §6.3.3).
        writeFourByte(out, length, 0x90, codePoint - 0x10000);
        length += 4;
      } else {
        out[length++] = 0x3f;
      }
      continue;
    }
    const entry = table[codePoint] ?? UNMAPPED;
    if (entry >= TWO_BYTE_FLAG) {
      out.writeUInt16BE(entry - TWO_BYTE_FLAG, length);
      length += 2;
    } else if (entry !== UNMAPPED && options.fourByte) {
      writeFourByte(out, length, 0x81, entry - 1);
      length += 4;
    } else {
      out[length++] = 0x3f;
    }
  }
  return out.subarray(0, length);
}
