import type { Codec } from "../frame.js";

/**
 * stream_type values of the program stream map (ISO 13818-1 Table 2-34), plus the private
 * G.711 values GB28181-2016 Annex C assigns (0x90 A-law, 0x91 µ-law).
 */
export const PsStreamType: Readonly<Record<Codec, number>> = {
  H264: 0x1b,
  H265: 0x24,
  AAC: 0x0f,
  G711A: 0x90,
  G711U: 0x91,
};

export function codecOfStreamType(streamType: number): Codec | undefined {
  for (const [codec, type] of Object.entries(PsStreamType)) if (type === streamType) return codec as Codec;
  return undefined;
}

/** PES stream_id ranges, ISO 13818-1 Table 2-22. */
export const StreamId = {
  ProgramStreamMap: 0xbc,
  Padding: 0xbe,
  FirstAudio: 0xc0,
  FirstVideo: 0xe0,
} as const;

export function isAudioStreamId(id: number): boolean {
  return id >= 0xc0 && id <= 0xdf;
}

export function isVideoStreamId(id: number): boolean {
  return id >= 0xe0 && id <= 0xef;
}
