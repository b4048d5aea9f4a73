import type { Codec } from "../frame.js";

/**
 * stream_type values of the program stream map (ISO 13818-1 Table 2-34), plus the private
 * G.711 values GB28181-2016 Annex C assigns (0x90 A-law, 0x91 µ-law). The other GB28181 values
 * (0x80 SVAC video, 0x92 G.722.1, 0x93 G.723.1, 0x99 G.729, 0x9B SVAC audio) are not carried.
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
  PrivateStream1: 0xbd,
  Padding: 0xbe,
  PrivateStream2: 0xbf,
  FirstAudio: 0xc0,
  FirstVideo: 0xe0,
} as const;

export function isAudioStreamId(id: number): boolean {
  return id >= 0xc0 && id <= 0xdf;
}

export function isVideoStreamId(id: number): boolean {
  return id >= 0xe0 && id <= 0xef;
}

/** private_stream_1/2: vendor data (Hikvision sends a 0xBD PES after every video frame), never media we carry. */
export function isPrivateStreamId(id: number): boolean {
  return id === StreamId.PrivateStream1 || id === StreamId.PrivateStream2;
}
