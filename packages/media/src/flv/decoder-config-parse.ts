/**
 * Reading ISO 14496-15 decoder configuration records (what RTMP publishers send as the video
 * sequence header): the parameter sets and the NAL length size of the samples that follow.
 */
export interface DecoderConfig {
  /** 1, 2 or 4: bytes of the length prefix of every NAL unit in the samples. */
  lengthSize: number;
  /** VPS (H.265), SPS, PPS — in record order. */
  parameterSets: Buffer[];
}

function readNalList(data: Buffer, offset: number, count: number, out: Buffer[]): number | undefined {
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 2 > data.length) return undefined;
    const length = data.readUInt16BE(at);
    if (at + 2 + length > data.length) return undefined;
    if (length > 0) out.push(Buffer.from(data.subarray(at + 2, at + 2 + length)));
    at += 2 + length;
  }
  return at;
}

/** AVCDecoderConfigurationRecord, ISO 14496-15 §5.3.3.1. */
export function parseAvcDecoderConfig(data: Buffer): DecoderConfig | undefined {
  if (data.length < 7 || data[0] !== 1) return undefined;
  const lengthSize = (data[4]! & 0x03) + 1;
  if (lengthSize === 3) return undefined;
  const parameterSets: Buffer[] = [];
  const afterSps = readNalList(data, 6, data[5]! & 0x1f, parameterSets);
  if (afterSps === undefined || afterSps >= data.length) return undefined;
  const afterPps = readNalList(data, afterSps + 1, data[afterSps]!, parameterSets);
  return afterPps === undefined ? undefined : { lengthSize, parameterSets };
}

/** HEVCDecoderConfigurationRecord, ISO 14496-15 §8.3.3.1.2: 22 fixed bytes, then NAL arrays. */
export function parseHevcDecoderConfig(data: Buffer): DecoderConfig | undefined {
  if (data.length < 23 || data[0] !== 1) return undefined;
  const lengthSize = (data[21]! & 0x03) + 1;
  if (lengthSize === 3) return undefined;
  const parameterSets: Buffer[] = [];
  let at = 23;
  for (let array = 0; array < data[22]!; array++) {
    if (at + 3 > data.length) return undefined;
    const next = readNalList(data, at + 3, data.readUInt16BE(at + 1), parameterSets);
    if (next === undefined) return undefined;
    at = next;
  }
  return { lengthSize, parameterSets };
}

/** Length-prefixed NAL units (the sample format) as a list; undefined when a length overruns. */
export function splitLengthPrefixed(data: Buffer, lengthSize: number): Buffer[] | undefined {
  const nals: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    if (at + lengthSize > data.length) return undefined;
    const length = data.readUIntBE(at, lengthSize);
    at += lengthSize;
    if (at + length > data.length) return undefined;
    if (length > 0) nals.push(data.subarray(at, at + length));
    at += length;
  }
  return nals;
}
