import { DEFAULT_CHUNK_SIZE } from "./chunk-reader.js";
import type { RtmpMessage } from "./message.js";

/**
 * Messages → RTMP chunks (Adobe RTMP spec 1.0 §5.3). The first message of a chunk stream, a
 * change of message stream, or time going backwards uses format 0; otherwise format 1 with the
 * delta; continuations use format 3 and repeat the extended timestamp when there is one.
 */
export class ChunkWriter {
  private chunkSize = DEFAULT_CHUNK_SIZE;
  private readonly last = new Map<number, { streamId: number; timestamp: number }>();

  get outgoingChunkSize(): number {
    return this.chunkSize;
  }

  /** Call after sending Set Chunk Size, which itself still goes out in the old size. */
  setChunkSize(size: number): void {
    if (!Number.isInteger(size) || size < 1 || size > 0x7fffffff) throw new RangeError(`invalid chunk size ${size}`);
    this.chunkSize = size;
  }

  write(message: RtmpMessage): Buffer {
    const { chunkStreamId: csid, payload } = message;
    if (csid < 2 || csid > 65599) throw new RangeError(`chunk stream id ${csid} out of range`);
    const timestamp = message.timestamp % 2 ** 32 >>> 0;
    const previous = this.last.get(csid);
    this.last.set(csid, { streamId: message.streamId, timestamp });
    const relative = previous !== undefined && previous.streamId === message.streamId && timestamp >= previous.timestamp;
    const timeField = relative ? timestamp - previous.timestamp : timestamp;
    const extended = timeField >= 0xffffff;
    const extendedBytes = extended ? 4 : 0;

    const first = basicHeader(relative ? 1 : 0, csid);
    const header = Buffer.alloc(first.length + (relative ? 7 : 11) + extendedBytes);
    first.copy(header, 0);
    let at = first.length;
    header.writeUIntBE(extended ? 0xffffff : timeField, at, 3);
    header.writeUIntBE(payload.length, at + 3, 3);
    header[at + 6] = message.type;
    if (!relative) header.writeUInt32LE(message.streamId, at + 7);
    at += relative ? 7 : 11;
    if (extended) header.writeUInt32BE(timeField, at);

    const continuation = basicHeader(3, csid);
    const continuationHeader = extended ? Buffer.concat([continuation, header.subarray(header.length - 4)]) : continuation;
    const parts: Buffer[] = [header, payload.subarray(0, this.chunkSize)];
    for (let offset = this.chunkSize; offset < payload.length; offset += this.chunkSize) {
      parts.push(continuationHeader, payload.subarray(offset, offset + this.chunkSize));
    }
    return Buffer.concat(parts);
  }
}

function basicHeader(format: number, csid: number): Buffer {
  if (csid < 64) return Buffer.from([(format << 6) | csid]);
  if (csid < 320) return Buffer.from([format << 6, csid - 64]);
  return Buffer.from([(format << 6) | 1, (csid - 64) & 0xff, (csid - 64) >> 8]);
}
