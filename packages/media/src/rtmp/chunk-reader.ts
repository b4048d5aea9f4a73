import type { RtmpMessage } from "./message.js";
import { RtmpMessageType } from "./message.js";

/**
 * RTMP chunk stream → messages (Adobe RTMP spec 1.0 §5.3): basic header with 1/2/3-byte chunk
 * stream ids, message header formats 0–3, extended timestamps (also repeated on format-3
 * continuations, as the spec's successors and every encoder do), interleaved chunk streams,
 * Set Chunk Size applied from the next chunk on and Abort dropping a partial message.
 * Memory is bounded: the chunk size is capped, and so are the chunk streams in use and the bytes
 * of unfinished messages.
 */
export interface ChunkReaderLimits {
  /** A peer's Set Chunk Size above this is refused (the spec allows 2^31-1; no encoder needs it). */
  maxChunkSize: number;
  /** Distinct chunk streams a peer may use. */
  maxChunkStreams: number;
  /** Bytes of all messages still being reassembled. */
  maxPendingBytes: number;
}

export type ChunkReadResult = { ok: true; messages: RtmpMessage[] } | { ok: false; reason: string; messages: RtmpMessage[] };

const DEFAULT_LIMITS: ChunkReaderLimits = { maxChunkSize: 16 * 1024 * 1024, maxChunkStreams: 64, maxPendingBytes: 32 * 1024 * 1024 };
export const DEFAULT_CHUNK_SIZE = 128;
const EXTENDED = 0xffffff;

interface ChunkStreamState {
  timestamp: number;
  delta: number;
  length: number;
  type: number;
  streamId: number;
  /** The last header's timestamp field was 0xFFFFFF: format-3 chunks carry 4 more bytes. */
  extended: boolean;
  /** The message being reassembled, allocated at its first chunk (and counted as pending). */
  message: Buffer | undefined;
  received: number;
}

export class ChunkReader {
  private chunkSize = DEFAULT_CHUNK_SIZE;
  private readonly streams = new Map<number, ChunkStreamState>();
  /** An incomplete chunk header (at most 18 bytes) waiting for the next read. */
  private pendingHeader: Buffer = Buffer.alloc(0);
  /** The chunk whose payload is being read: payload bytes are copied as they arrive. */
  private current: { csid: number; state: ChunkStreamState; remaining: number } | undefined;
  private pendingBytes = 0;
  private failed: string | undefined;
  private readonly limits: ChunkReaderLimits;

  constructor(limits: Partial<ChunkReaderLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  get incomingChunkSize(): number {
    return this.chunkSize;
  }

  /** Feeds bytes; returns the messages completed. After a failure every call fails. */
  push(data: Buffer): ChunkReadResult {
    const messages: RtmpMessage[] = [];
    if (this.failed !== undefined) return { ok: false, reason: this.failed, messages };
    const buffer = this.pendingHeader.length === 0 ? data : Buffer.concat([this.pendingHeader, data]);
    this.pendingHeader = Buffer.alloc(0);
    let offset = 0;
    while (offset < buffer.length) {
      if (this.current === undefined) {
        const header = this.parseHeader(buffer, offset);
        if (header === "need") {
          this.pendingHeader = Buffer.from(buffer.subarray(offset));
          break;
        }
        if (typeof header === "string") {
          this.failed = header;
          return { ok: false, reason: header, messages };
        }
        offset = header;
      }
      const { csid, state, remaining } = this.current!;
      const take = Math.min(remaining, buffer.length - offset);
      buffer.copy(state.message!, state.received, offset, offset + take);
      state.received += take;
      offset += take;
      if (take < remaining) {
        this.current!.remaining -= take;
        break;
      }
      this.current = undefined;
      if (state.received < state.length) continue;
      const message = { chunkStreamId: csid, type: state.type, streamId: state.streamId, timestamp: state.timestamp, payload: state.message! };
      this.pendingBytes -= state.length;
      state.message = undefined;
      state.received = 0;
      messages.push(message);
      this.applyControl(message);
      if (this.failed !== undefined) return { ok: false, reason: this.failed, messages };
    }
    return { ok: true, messages };
  }

  /** Abort Message (§5.4.2): the partial message on this chunk stream is discarded. */
  abort(chunkStreamId: number): void {
    const state = this.streams.get(chunkStreamId);
    if (state?.message === undefined) return;
    this.pendingBytes -= state.message.length;
    state.message = undefined;
    state.received = 0;
  }

  private applyControl(message: RtmpMessage): void {
    if (message.type === RtmpMessageType.SetChunkSize && message.payload.length >= 4) {
      const size = message.payload.readUInt32BE(0) & 0x7fffffff;
      if (size < 1 || size > this.limits.maxChunkSize) this.failed = `invalid chunk size ${size}`;
      else this.chunkSize = size;
    } else if (message.type === RtmpMessageType.Abort && message.payload.length >= 4) {
      this.abort(message.payload.readUInt32BE(0));
    }
  }

  /** Parses one chunk header at `start` and sets `current`; returns the payload offset, "need", or an error. */
  private parseHeader(data: Buffer, start: number): number | "need" | string {
    let at = start;
    const first = data[at++]!;
    const format = first >> 6;
    let csid = first & 0x3f;
    if (csid === 0) {
      if (at + 1 > data.length) return "need";
      csid = 64 + data[at++]!;
    } else if (csid === 1) {
      if (at + 2 > data.length) return "need";
      csid = 64 + data[at]! + data[at + 1]! * 256;
      at += 2;
    }
    const headerSize = [11, 7, 3, 0][format]!;
    if (at + headerSize > data.length) return "need";
    const known = this.streams.get(csid);
    if (known === undefined) {
      if (format !== 0) return `chunk stream ${csid} starts with format ${format}, not 0`;
      if (this.streams.size >= this.limits.maxChunkStreams) return `more than ${this.limits.maxChunkStreams} chunk streams`;
    }
    const state: ChunkStreamState = known ?? { timestamp: 0, delta: 0, length: 0, type: 0, streamId: 0, extended: false, message: undefined, received: 0 };
    const continuing = state.message !== undefined;
    if (continuing && format !== 3) return `chunk stream ${csid}: format ${format} header inside an unfinished message`;
    let timeField = 0;
    let length = state.length;
    let type = state.type;
    let streamId = state.streamId;
    if (format <= 2) timeField = data.readUIntBE(at, 3);
    if (format <= 1) {
      length = data.readUIntBE(at + 3, 3);
      type = data[at + 6]!;
    }
    if (format === 0) streamId = data.readUInt32LE(at + 7);
    at += headerSize;
    const extended = format === 3 ? state.extended : timeField === EXTENDED;
    if (extended) {
      if (at + 4 > data.length) return "need";
      if (format !== 3) timeField = data.readUInt32BE(at);
      at += 4;
    }
    if (!continuing) {
      if (this.pendingBytes + length > this.limits.maxPendingBytes) return `more than ${this.limits.maxPendingBytes} bytes of unfinished messages`;
      if (format === 0) {
        state.timestamp = timeField;
        // §5.3.1.2.4: a format-3 message after format 0 uses the format-0 timestamp as its delta.
        state.delta = timeField;
      } else if (format === 3) {
        state.timestamp = (state.timestamp + state.delta) % 2 ** 32;
      } else {
        state.delta = timeField;
        state.timestamp = (state.timestamp + timeField) % 2 ** 32;
      }
      if (format !== 3) state.extended = extended;
      state.length = length;
      state.type = type;
      state.streamId = streamId;
      state.message = Buffer.allocUnsafe(length);
      this.pendingBytes += length;
    }
    this.streams.set(csid, state);
    this.current = { csid, state, remaining: Math.min(this.chunkSize, state.length - state.received) };
    return at;
  }
}
