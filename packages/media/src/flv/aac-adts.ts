/** AudioSpecificConfig (ISO 14496-3 §1.6.2.1) → ADTS headers (§1.A.2), to give RTMP AAC the PS path's framing. */
export interface AacConfig {
  audioObjectType: number;
  samplingFrequencyIndex: number;
  channelConfiguration: number;
}

/** Undefined for configurations ADTS cannot express (explicit frequency, object types above 4, PCE channels). */
export function parseAudioSpecificConfig(asc: Buffer): AacConfig | undefined {
  if (asc.length < 2) return undefined;
  const audioObjectType = asc[0]! >> 3;
  const samplingFrequencyIndex = ((asc[0]! & 0x07) << 1) | (asc[1]! >> 7);
  const channelConfiguration = (asc[1]! >> 3) & 0x0f;
  // ADTS has a 2-bit profile (object type − 1) and a 4-bit index without the 0xF escape.
  if (audioObjectType < 1 || audioObjectType > 4 || samplingFrequencyIndex > 12 || channelConfiguration === 0 || channelConfiguration > 7) return undefined;
  return { audioObjectType, samplingFrequencyIndex, channelConfiguration };
}

/** A 7-byte ADTS header (no CRC) for one raw AAC frame of `payloadLength` bytes. */
export function adtsHeader(config: AacConfig, payloadLength: number): Buffer | undefined {
  const frameLength = 7 + payloadLength;
  if (frameLength > 0x1fff) return undefined;
  const { audioObjectType, samplingFrequencyIndex: sf, channelConfiguration: ch } = config;
  return Buffer.from([
    0xff,
    0xf1, // MPEG-4, layer 0, protection absent
    ((audioObjectType - 1) << 6) | (sf << 2) | (ch >> 2),
    ((ch & 0x03) << 6) | (frameLength >> 11),
    (frameLength >> 3) & 0xff,
    ((frameLength & 0x07) << 5) | 0x1f,
    0xfc, // buffer fullness 0x7FF (VBR), one raw data block
  ]);
}
