/** FLV file header and tag framing, Adobe FLV spec v10.1 §E.2–E.4. */

export const FlvTagType = { Audio: 8, Video: 9, Script: 18 } as const;

/** FLV header plus PreviousTagSize0. */
export function buildFlvHeader(hasAudio: boolean, hasVideo: boolean): Buffer {
  return Buffer.from([0x46, 0x4c, 0x56, 1, (hasAudio ? 4 : 0) | (hasVideo ? 1 : 0), 0, 0, 0, 9, 0, 0, 0, 0]);
}

export const FLV_TAG_HEADER_LENGTH = 11;

/** One tag followed by its PreviousTagSize, so tags can be concatenated after the header. */
export function buildFlvTag(type: number, timestampMs: number, body: Buffer): Buffer {
  const out = allocFlvTag(type, timestampMs, body.length);
  body.copy(out, FLV_TAG_HEADER_LENGTH);
  return out;
}

/** A tag with its header and PreviousTagSize written; the caller writes the body at FLV_TAG_HEADER_LENGTH. */
export function allocFlvTag(type: number, timestampMs: number, bodyLength: number): Buffer {
  const out = Buffer.allocUnsafe(FLV_TAG_HEADER_LENGTH + bodyLength + 4);
  out[0] = type;
  out.writeUIntBE(bodyLength, 1, 3);
  // Timestamp: lower 24 bits, then TimestampExtended holds bits 24..31.
  const ts = timestampMs % 2 ** 32;
  out.writeUIntBE(ts % 2 ** 24, 4, 3);
  out[7] = Math.floor(ts / 2 ** 24);
  out.writeUIntBE(0, 8, 3);
  out.writeUInt32BE(FLV_TAG_HEADER_LENGTH + bodyLength, FLV_TAG_HEADER_LENGTH + bodyLength);
  return out;
}
