import { describe, expect, it } from "vitest";
import { buildRtp } from "../src/rtp/packet.js";
import { Rfc4571Framer } from "../src/rtp/rfc4571.js";

function rtp(seq: number, size: number): Buffer {
  return buildRtp({ payloadType: 96, sequenceNumber: seq, timestamp: seq * 3600, ssrc: 7, payload: Buffer.alloc(size, seq & 0xff) });
}

function rfc4571(packet: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(packet.length);
  return Buffer.concat([length, packet]);
}

function interleaved(packet: Buffer, channel = 0): Buffer {
  const head = Buffer.from([0x24, channel, 0, 0]);
  head.writeUInt16BE(packet.length, 2);
  return Buffer.concat([head, packet]);
}

const packets = [rtp(1, 100), rtp(2, 1400), rtp(3, 0), rtp(4, 65000)];

describe("Rfc4571Framer", () => {
  it("splits several length-prefixed packets from one chunk", () => {
    const out = new Rfc4571Framer().push(Buffer.concat(packets.map(rfc4571)));
    expect(out).toEqual(packets);
  });

  it("reassembles the same packets fed one byte at a time", () => {
    const framer = new Rfc4571Framer();
    const stream = Buffer.concat(packets.map(rfc4571));
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...framer.push(stream.subarray(i, i + 1)));
    expect(out).toEqual(packets);
    expect(framer.stats).toEqual({ packets: 4, resyncBytes: 0 });
  });

  it("accepts RFC 2326 '$' interleaved framing in auto mode, mixed with RFC 4571", () => {
    const framer = new Rfc4571Framer("auto");
    const out = framer.push(Buffer.concat([interleaved(packets[0]!), rfc4571(packets[1]!), interleaved(packets[2]!, 1)]));
    expect(out).toEqual(packets.slice(0, 3));
  });

  it("resynchronises after garbage between frames and counts the skipped bytes", () => {
    const framer = new Rfc4571Framer();
    const garbage = Buffer.from([0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
    const out = framer.push(Buffer.concat([rfc4571(packets[0]!), garbage, rfc4571(packets[1]!)]));
    expect(out).toEqual([packets[0], packets[1]]);
    expect(framer.stats.resyncBytes).toBe(garbage.length);
  });

  it("in strict RFC 4571 mode reads an interleaved frame only by skipping its '$' and channel bytes", () => {
    const framer = new Rfc4571Framer("rfc4571");
    expect(framer.push(interleaved(packets[0]!))).toEqual([packets[0]]);
    expect(framer.stats.resyncBytes).toBe(2);
  });

  it("recovers every following packet after a burst of random garbage once the SSRC is locked", () => {
    const framer = new Rfc4571Framer();
    const later = Array.from({ length: 20 }, (_, i) => rtp(100 + i, 200 + i));
    const garbage = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 251));
    const out = framer.push(Buffer.concat([rfc4571(packets[0]!), garbage, ...later.map(rfc4571)]));
    expect(out).toEqual([packets[0], ...later]);
    expect(framer.stats.resyncBytes).toBe(garbage.length);
  });

  it("follows a sender that changes SSRC after 64 KiB without a match", () => {
    const framer = new Rfc4571Framer();
    const other = buildRtp({ payloadType: 96, sequenceNumber: 1, timestamp: 0, ssrc: 99, payload: Buffer.alloc(1000) });
    framer.push(rfc4571(packets[0]!));
    const out = framer.push(Buffer.concat(Array.from({ length: 80 }, () => rfc4571(other))));
    expect(out.length).toBeGreaterThan(10);
    expect(out.every((p) => p.equals(other))).toBe(true);
  });

  it("survives random bytes without throwing", () => {
    const framer = new Rfc4571Framer("auto");
    for (let i = 0; i < 200; i++) {
      const chunk = Buffer.from(Array.from({ length: 500 }, () => Math.floor(Math.random() * 256)));
      expect(() => framer.push(chunk)).not.toThrow();
    }
  });
});
