/**
 * FLV video tag bodies: legacy AVC (FLV spec §E.4.3.1) and HEVC as Enhanced RTMP v1
 * (veovera enhanced-rtmp, "Enhanced Video"): first byte IsExHeader(1) | FrameType(3) |
 * PacketType(4), then the FourCC.
 */
export const FlvFrameType = { Key: 1, Inter: 2 } as const;

export const AVC_CODEC_ID = 7;

export const ExVideoPacketType = {
  SequenceStart: 0,
  CodedFrames: 1,
  SequenceEnd: 2,
  CodedFramesX: 3,
} as const;

export const HEVC_FOURCC = "hvc1";

function frameTypeOf(keyframe: boolean): number {
  return keyframe ? FlvFrameType.Key : FlvFrameType.Inter;
}

function si24(value: number): Buffer {
  const out = Buffer.allocUnsafe(3);
  out.writeIntBE(value, 0, 3);
  return out;
}

export function avcSequenceHeaderBody(record: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(FlvFrameType.Key << 4) | AVC_CODEC_ID, 0]), si24(0), record]);
}

/** What precedes the length-prefixed NAL units in a coded AVC frame's body; `compositionTimeMs` = PTS − DTS. */
export function avcFramePrefix(keyframe: boolean, compositionTimeMs: number): Buffer {
  return Buffer.concat([Buffer.from([(frameTypeOf(keyframe) << 4) | AVC_CODEC_ID, 1]), si24(compositionTimeMs)]);
}

function exHeader(keyframe: boolean, packetType: number): Buffer {
  return Buffer.concat([Buffer.from([0x80 | (frameTypeOf(keyframe) << 4) | packetType]), Buffer.from(HEVC_FOURCC, "ascii")]);
}

export function hevcSequenceStartBody(record: Buffer): Buffer {
  return Buffer.concat([exHeader(true, ExVideoPacketType.SequenceStart), record]);
}

/** What precedes the NAL units of a coded HEVC frame; CodedFramesX omits a zero composition time, as Enhanced RTMP allows. */
export function hevcFramePrefix(keyframe: boolean, compositionTimeMs: number): Buffer {
  if (compositionTimeMs === 0) return exHeader(keyframe, ExVideoPacketType.CodedFramesX);
  return Buffer.concat([exHeader(keyframe, ExVideoPacketType.CodedFrames), si24(compositionTimeMs)]);
}
