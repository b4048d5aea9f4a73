import type { AudioCodec } from "../frame.js";

/**
 * FLV audio tag bodies, FLV spec §E.4.2.1: SoundFormat(4) SoundRate(2) SoundSize(1) SoundType(1).
 * AAC is always flagged 44 kHz stereo (the AudioSpecificConfig is authoritative); G.711 uses
 * SoundRate 0 with 16-bit mono flags, as ffmpeg's FLV muxer writes for 8 kHz.
 */
export const FlvSoundFormat: Readonly<Record<AudioCodec, number>> = { G711A: 7, G711U: 8, AAC: 10 };

export const AacPacketType = { SequenceHeader: 0, Raw: 1 } as const;

export function audioTagFlags(codec: AudioCodec): number {
  return codec === "AAC" ? (FlvSoundFormat.AAC << 4) | 0x0f : (FlvSoundFormat[codec] << 4) | 0x02;
}

export function aacSequenceHeaderBody(audioSpecificConfig: Buffer): Buffer {
  return Buffer.concat([Buffer.from([audioTagFlags("AAC"), AacPacketType.SequenceHeader]), audioSpecificConfig]);
}

export function aacRawBody(raw: Buffer): Buffer {
  return Buffer.concat([Buffer.from([audioTagFlags("AAC"), AacPacketType.Raw]), raw]);
}

export function g711Body(codec: "G711A" | "G711U", samples: Buffer): Buffer {
  return Buffer.concat([Buffer.from([audioTagFlags(codec)]), samples]);
}
