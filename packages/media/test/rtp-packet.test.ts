import { describe, expect, it } from "vitest";
import { buildRtp, isRtp, parseRtp } from "../src/rtp/packet.js";

const payload = Buffer.from("hello ps");

describe("parseRtp", () => {
  it("round-trips every header field built by buildRtp", () => {
    const bytes = buildRtp({
      marker: true,
      payloadType: 96,
      sequenceNumber: 65535,
      timestamp: 0xfffffff0,
      ssrc: 0x12345678,
      csrcs: [1, 0xffffffff],
      extension: { profile: 0xbede, data: Buffer.from([1, 2, 3, 4]) },
      paddingLength: 3,
      payload,
    });
    const result = parseRtp(bytes);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const p = result.packet;
    expect(p).toMatchObject({ marker: true, payloadType: 96, sequenceNumber: 65535, timestamp: 0xfffffff0, ssrc: 0x12345678, padding: true });
    expect(p.csrcs).toEqual([1, 0xffffffff]);
    expect(p.extension?.profile).toBe(0xbede);
    expect([...p.extension!.data]).toEqual([1, 2, 3, 4]);
    expect(p.payload.equals(payload)).toBe(true);
  });

  it("parses the minimal 12-byte header with an empty payload", () => {
    const result = parseRtp(buildRtp({ payloadType: 0, sequenceNumber: 1, timestamp: 2, ssrc: 3, payload: Buffer.alloc(0) }));
    expect(result.ok && result.packet.payload.length).toBe(0);
  });

  it.each([
    ["too-short", Buffer.alloc(11, 0x80)],
    ["bad-version", Buffer.from([0x40, 96, ...Array(10).fill(0)])],
    ["rtcp", Buffer.from([0x80, 200, ...Array(10).fill(0)])],
    ["truncated-header", Buffer.from([0x82, 96, ...Array(10).fill(0), 0, 0, 0, 1])],
    ["truncated-header", Buffer.from([0x90, 96, ...Array(10).fill(0), 0xbe, 0xde, 0, 2, 0, 0, 0, 0])],
    ["bad-padding", Buffer.from([0xa0, 96, ...Array(10).fill(0), 1, 2, 9])],
    ["bad-padding", Buffer.from([0xa0, 96, ...Array(10).fill(0), 1, 2, 0])],
  ])("rejects %s input without throwing", (reason, bytes) => {
    expect(parseRtp(bytes)).toEqual({ ok: false, reason });
  });

  it("never throws on random bytes", () => {
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(Array.from({ length: i % 40 }, () => Math.floor(Math.random() * 256)));
      expect(() => parseRtp(bytes)).not.toThrow();
    }
  });
});

describe("isRtp", () => {
  it("accepts version 2 media packets and refuses RTCP and short datagrams", () => {
    expect(isRtp(buildRtp({ payloadType: 96, sequenceNumber: 0, timestamp: 0, ssrc: 0, payload }))).toBe(true);
    expect(isRtp(Buffer.from([0x80, 201, ...Array(10).fill(0)]))).toBe(false);
    expect(isRtp(Buffer.alloc(8, 0x80))).toBe(false);
  });
});

describe("buildRtp", () => {
  it("throws on programmer errors such as 16 CSRCs", () => {
    expect(() => buildRtp({ payloadType: 96, sequenceNumber: 0, timestamp: 0, ssrc: 0, csrcs: Array(16).fill(0), payload })).toThrow(RangeError);
  });
});
