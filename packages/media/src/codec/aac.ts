/** ADTS (ISO 14496-3 §1.A.2) parsing, enough to carry AAC from PS into FLV. */

export interface AdtsHeader {
  /** MPEG-4 audioObjectType = ADTS profile + 1 (2 = AAC LC). */
  audioObjectType: number;
  samplingFrequencyIndex: number;
  sampleRate: number;
  channelConfiguration: number;
  headerLength: number;
  /** Whole frame length including the header. */
  frameLength: number;
}

const SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** AAC frames carry 1024 PCM samples each. */
export const AAC_SAMPLES_PER_FRAME = 1024;

export function parseAdtsHeader(data: Uint8Array, offset = 0): AdtsHeader | undefined {
  if (data.length - offset < 7) return undefined;
  const b = (i: number): number => data[offset + i]!;
  if (b(0) !== 0xff || (b(1) & 0xf6) !== 0xf0) return undefined;
  const protectionAbsent = b(1) & 1;
  const samplingFrequencyIndex = (b(2) >> 2) & 0x0f;
  const sampleRate = SAMPLE_RATES[samplingFrequencyIndex];
  if (sampleRate === undefined) return undefined;
  const headerLength = protectionAbsent ? 7 : 9;
  const frameLength = ((b(3) & 0x03) << 11) | (b(4) << 3) | (b(5) >> 5);
  if (frameLength <= headerLength) return undefined;
  return {
    audioObjectType: (b(2) >> 6) + 1,
    samplingFrequencyIndex,
    sampleRate,
    channelConfiguration: ((b(2) & 0x01) << 2) | (b(3) >> 6),
    headerLength,
    frameLength,
  };
}

/** Complete ADTS frames found back to back in `data`; stops at the first invalid or truncated one. */
export function splitAdtsFrames(data: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const header = parseAdtsHeader(data, offset);
    if (header === undefined || offset + header.frameLength > data.length) return frames;
    frames.push(data.subarray(offset, offset + header.frameLength));
    offset += header.frameLength;
  }
}

/** The 2-byte AudioSpecificConfig (ISO 14496-3 §1.6.2.1) equivalent to an ADTS header. */
export function audioSpecificConfig(header: AdtsHeader): Buffer {
  return Buffer.from([
    (header.audioObjectType << 3) | (header.samplingFrequencyIndex >> 1),
    ((header.samplingFrequencyIndex & 1) << 7) | (header.channelConfiguration << 3),
  ]);
}
