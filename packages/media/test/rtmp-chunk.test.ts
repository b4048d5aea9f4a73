import { describe, expect, it } from "vitest";
import { ChunkReader } from "../src/rtmp/chunk-reader.js";
import { ChunkWriter } from "../src/rtmp/chunk-writer.js";
import type { RtmpMessage } from "../src/rtmp/message.js";
import { RtmpMessageType, setChunkSizeMessage } from "../src/rtmp/message.js";

function message(csid: number, type: number, streamId: number, timestamp: number, length: number, fill = csid): RtmpMessage {
  return { chunkStreamId: csid, type, streamId, timestamp, payload: Buffer.alloc(length, fill) };
}

function readAll(reader: ChunkReader, bytes: Buffer, step = bytes.length): RtmpMessage[] {
  const out: RtmpMessage[] = [];
  for (let i = 0; i < bytes.length; i += step) {
    const result = reader.push(bytes.subarray(i, i + step));
    expect(result.ok).toBe(true);
    out.push(...result.messages);
  }
  return out;
}

/** Splits each message's chunks and interleaves the chunk streams, as a real encoder does for audio and video. */
function interleaveChunks(writer: ChunkWriter, a: RtmpMessage, b: RtmpMessage, chunkSize: number): Buffer {
  const split = (bytes: Buffer, headerLength: number, csidLength: number): Buffer[] => {
    const pieces = [bytes.subarray(0, headerLength + chunkSize)];
    for (let at = headerLength + chunkSize; at < bytes.length; at += csidLength + chunkSize) pieces.push(bytes.subarray(at, at + csidLength + chunkSize));
    return pieces;
  };
  const pa = split(writer.write(a), 12, 1);
  const pb = split(writer.write(b), 12, 1);
  const out: Buffer[] = [];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) out.push(...[pa[i], pb[i]].filter((p): p is Buffer => p !== undefined));
  return Buffer.concat(out);
}

describe("RTMP chunk stream", () => {
  it("reads the spec's example 2 (formats 0, 2, 3 over one chunk stream) byte by byte", () => {
    // Adobe RTMP spec §5.3.2.2: a 307-byte message at chunk size 128 → format 0 then two format 3.
    const payload = Buffer.alloc(307, 7);
    const bytes = Buffer.concat([
      Buffer.from([0x04, 0, 0x03, 0xe8, 0, 0x01, 0x33, 9, 1, 0, 0, 0]),
      payload.subarray(0, 128),
      Buffer.from([0xc4]),
      payload.subarray(128, 256),
      Buffer.from([0xc4]),
      payload.subarray(256),
      // The next message: format 2 (delta 40), then format 3 inheriting delta and length.
      Buffer.from([0x84, 0, 0, 40]),
      payload.subarray(0, 128),
      Buffer.from([0xc4]),
      payload.subarray(128, 256),
      Buffer.from([0xc4]),
      payload.subarray(256),
      Buffer.from([0xc4]),
      payload.subarray(0, 128),
      Buffer.from([0xc4]),
      payload.subarray(128, 256),
      Buffer.from([0xc4]),
      payload.subarray(256),
    ]);
    const messages = readAll(new ChunkReader(), bytes, 1);
    expect(messages.map((m) => [m.chunkStreamId, m.type, m.streamId, m.timestamp, m.payload.length])).toEqual([
      [4, 9, 1, 1000, 307],
      [4, 9, 1, 1040, 307],
      [4, 9, 1, 1080, 307],
    ]);
    expect(messages[0]!.payload.equals(payload)).toBe(true);
  });

  it("uses a format-0 timestamp as the delta of a following format-3 message (§5.3.1.2.4)", () => {
    const bytes = Buffer.from([0x03, 0, 0, 100, 0, 0, 1, 20, 0, 0, 0, 0, 0xaa, 0xc3, 0xbb]);
    expect(readAll(new ChunkReader(), bytes).map((m) => m.timestamp)).toEqual([100, 200]);
  });

  it("round-trips writer → reader with interleaved chunk streams, 2- and 3-byte chunk stream ids, and every split point", () => {
    const writer = new ChunkWriter();
    const audio = message(4, RtmpMessageType.Audio, 1, 10, 300);
    const video = message(6, RtmpMessageType.Video, 1, 10, 700);
    const bytes = Buffer.concat([
      interleaveChunks(writer, audio, video, 128),
      writer.write(message(100, RtmpMessageType.Video, 1, 50, 129)),
      writer.write(message(1000, RtmpMessageType.Video, 1, 60, 5)),
      writer.write(message(4, RtmpMessageType.Audio, 1, 33, 10)),
      writer.write(message(3, RtmpMessageType.CommandAmf0, 0, 0, 0)),
    ]);
    const expected = [[4, 300], [6, 700], [100, 129], [1000, 5], [4, 10], [3, 0]];
    for (const step of [1, 7, 128, 129, bytes.length]) {
      const messages = readAll(new ChunkReader(), bytes, step);
      expect(messages.map((m) => [m.chunkStreamId, m.payload.length])).toEqual(expected);
      expect(messages[2]!.payload.every((b) => b === 100)).toBe(true);
      // Time went backwards on csid 4 (10 → 33 is forward; a delta is used) and stays exact.
      expect(messages[4]!.timestamp).toBe(33);
    }
  });

  it("carries extended timestamps, repeated on continuation chunks, and wraps deltas at 2^32", () => {
    const writer = new ChunkWriter();
    const big = 0x01000000 + 5;
    const bytes = Buffer.concat([writer.write(message(6, RtmpMessageType.Video, 1, big, 300)), writer.write(message(6, RtmpMessageType.Video, 1, big + 40, 10))]);
    // First message: format 0 with 0xFFFFFF then 4 bytes; its continuations repeat the 4 bytes.
    expect(bytes.readUIntBE(1, 3)).toBe(0xffffff);
    expect(bytes.readUInt32BE(12)).toBe(big);
    expect(bytes.readUInt32BE(16 + 128 + 1)).toBe(big);
    const messages = readAll(new ChunkReader(), bytes, 3);
    expect(messages.map((m) => m.timestamp)).toEqual([big, big + 40]);
    const wrap = Buffer.from([0x06, 0xff, 0xff, 0xff, 0, 0, 1, 9, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xf0, 0xaa, 0x86, 0, 0, 0x20, 0xbb]);
    expect(readAll(new ChunkReader(), wrap).map((m) => m.timestamp)).toEqual([0xfffffff0, 0x10]);
  });

  it("applies Set Chunk Size from the next chunk on, in both directions", () => {
    const writer = new ChunkWriter();
    const control = writer.write(setChunkSizeMessage(4096));
    writer.setChunkSize(4096);
    const video = writer.write(message(6, RtmpMessageType.Video, 1, 0, 5000));
    // 12-byte header + 4096, then a 1-byte continuation header + 904.
    expect(video.length).toBe(12 + 4096 + 1 + 904);
    const reader = new ChunkReader();
    const messages = readAll(reader, Buffer.concat([control, video]), 1000);
    expect(messages.map((m) => m.payload.length)).toEqual([4, 5000]);
    expect(reader.incomingChunkSize).toBe(4096);
  });

  it("drops the partial message of an aborted chunk stream", () => {
    const writer = new ChunkWriter();
    const partial = writer.write(message(6, RtmpMessageType.Video, 1, 0, 300)).subarray(0, 12 + 128);
    const abort = writer.write({ chunkStreamId: 2, type: RtmpMessageType.Abort, streamId: 0, timestamp: 0, payload: Buffer.from([0, 0, 0, 6]) });
    const next = writer.write(message(6, RtmpMessageType.Video, 1, 40, 3));
    // The writer believes csid 6 completed its message; a fresh reader after abort sees format 1 next.
    const messages = readAll(new ChunkReader(), Buffer.concat([partial, abort, next]));
    expect(messages.map((m) => [m.type, m.payload.length, m.timestamp])).toEqual([[RtmpMessageType.Abort, 4, 0], [RtmpMessageType.Video, 3, 40]]);
  });

  it("fails, without throwing, on a first chunk that is not format 0, a bad chunk size and a header inside a message", () => {
    expect(new ChunkReader().push(Buffer.from([0x43, 0, 0, 0, 0, 0, 1, 9]))).toMatchObject({ ok: false, reason: "chunk stream 3 starts with format 1, not 0" });
    const zero = new ChunkWriter().write({ chunkStreamId: 2, type: 1, streamId: 0, timestamp: 0, payload: Buffer.from([0, 0, 0, 0]) });
    const reader = new ChunkReader();
    expect(reader.push(zero)).toMatchObject({ ok: false, reason: "invalid chunk size 0" });
    expect(reader.push(Buffer.from([0x03])).ok).toBe(false);
    const first = new ChunkWriter().write(message(6, 9, 1, 0, 300)).subarray(0, 140);
    expect(new ChunkReader().push(Buffer.concat([first, Buffer.from([0x06, 0, 0, 0, 0, 0, 1, 9, 1, 0, 0, 0])]))).toMatchObject({ ok: false });
  });

  it("bounds chunk streams and unfinished bytes", () => {
    const writer = new ChunkWriter();
    const many = Buffer.concat(Array.from({ length: 10 }, (_, i) => writer.write(message(10 + i, 9, 1, 0, 1))));
    expect(new ChunkReader({ maxChunkStreams: 5 }).push(many)).toMatchObject({ ok: false, reason: "more than 5 chunk streams" });
    const huge = Buffer.from([0x06, 0, 0, 0, 0xff, 0xff, 0xff, 9, 1, 0, 0, 0]);
    expect(new ChunkReader({ maxPendingBytes: 1_000_000 }).push(huge)).toMatchObject({ ok: false, reason: "more than 1000000 bytes of unfinished messages" });
  });

  it("never throws on random bytes", () => {
    let seed = 11;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 5000; i++) {
      const reader = new ChunkReader({ maxPendingBytes: 1 << 20 });
      for (let j = 0; j < 4; j++) {
        const bytes = Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
        expect(() => reader.push(bytes)).not.toThrow();
      }
    }
  });
});
