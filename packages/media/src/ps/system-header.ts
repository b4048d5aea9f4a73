import { DEFAULT_MUX_RATE } from "./pack-header.js";
import { isAudioStreamId, isVideoStreamId } from "./stream-types.js";

/** MPEG-2 system header builder, ISO 13818-1 §2.5.3.5. */
export interface SystemHeaderStream {
  streamId: number;
  /** P-STD buffer bound in bytes. */
  bufferBytes: number;
}

export function buildSystemHeader(streams: readonly SystemHeaderStream[], rateBound = DEFAULT_MUX_RATE): Buffer {
  const audioBound = streams.filter((s) => isAudioStreamId(s.streamId)).length;
  const videoBound = streams.filter((s) => isVideoStreamId(s.streamId)).length;
  const out = Buffer.allocUnsafe(12 + streams.length * 3);
  out.writeUInt32BE(0x000001bb, 0);
  out.writeUInt16BE(6 + streams.length * 3, 4);
  out.writeUIntBE(0x800001 | ((rateBound & 0x3fffff) << 1), 6, 3);
  out[9] = audioBound << 2; // fixed_flag 0, CSPS_flag 0
  out[10] = 0xe0 | videoBound; // audio/video lock + marker
  out[11] = 0x7f; // packet_rate_restriction 0 + reserved
  streams.forEach((stream, i) => {
    // Video buffers are counted in 1024-byte units (scale 1), audio in 128-byte units (scale 0).
    const isVideo = isVideoStreamId(stream.streamId);
    const size = Math.min(0x1fff, Math.ceil(stream.bufferBytes / (isVideo ? 1024 : 128)));
    out[12 + i * 3] = stream.streamId;
    out.writeUInt16BE(0xc000 | (isVideo ? 0x2000 : 0) | size, 13 + i * 3);
  });
  return out;
}
