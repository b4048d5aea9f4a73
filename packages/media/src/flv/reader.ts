import type { FlvTagData } from "./demuxer.js";

/**
 * An FLV byte stream (FLV spec v10.1 §E.2–E.3: 9-byte header, PreviousTagSize, tags) → tags.
 * Used to re-send our own FLV output over RTMP and to read FLV in tests. Holds at most one
 * incomplete tag; a tag larger than `maxTagBytes` or a bad signature fails the stream.
 */
export type FlvReadResult = { ok: true; tags: FlvTagData[] } | { ok: false; reason: string; tags: FlvTagData[] };

const TAG_HEADER = 11;

export class FlvReader {
  private pending: Buffer = Buffer.alloc(0);
  private headerSkipped = false;
  private failed: string | undefined;

  constructor(private readonly maxTagBytes = 16 * 1024 * 1024) {}

  push(data: Buffer): FlvReadResult {
    const tags: FlvTagData[] = [];
    if (this.failed !== undefined) return { ok: false, reason: this.failed, tags };
    let buffer = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    if (!this.headerSkipped) {
      if (buffer.length < 9) {
        this.pending = Buffer.from(buffer);
        return { ok: true, tags };
      }
      if (buffer.toString("latin1", 0, 3) !== "FLV") return this.fail("not an FLV stream", tags);
      const headerSize = buffer.readUInt32BE(5);
      if (headerSize < 9 || headerSize > 64) return this.fail(`FLV header size ${headerSize}`, tags);
      // The header is followed by PreviousTagSize0.
      if (buffer.length < headerSize + 4) {
        this.pending = Buffer.from(buffer);
        return { ok: true, tags };
      }
      buffer = buffer.subarray(headerSize + 4);
      this.headerSkipped = true;
    }
    let at = 0;
    while (at + TAG_HEADER <= buffer.length) {
      const size = buffer.readUIntBE(at + 1, 3);
      if (size > this.maxTagBytes) return this.fail(`FLV tag of ${size} bytes`, tags);
      const end = at + TAG_HEADER + size + 4;
      if (end > buffer.length) break;
      const timestampMs = buffer.readUIntBE(at + 4, 3) + buffer[at + 7]! * 2 ** 24;
      tags.push({ type: buffer[at]! & 0x1f, timestampMs, body: Buffer.from(buffer.subarray(at + TAG_HEADER, at + TAG_HEADER + size)) });
      at = end;
    }
    this.pending = Buffer.from(buffer.subarray(at));
    return { ok: true, tags };
  }

  private fail(reason: string, tags: FlvTagData[]): FlvReadResult {
    this.failed = reason;
    this.pending = Buffer.alloc(0);
    return { ok: false, reason, tags };
  }
}
