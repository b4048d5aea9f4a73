import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { HANDSHAKE_SIZE, RtmpServerHandshake } from "../src/rtmp/handshake.js";

function c1(version = 0): Buffer {
  const bytes = randomBytes(HANDSHAKE_SIZE);
  bytes.writeUInt32BE(1234, 0);
  bytes.writeUInt32BE(version, 4);
  return bytes;
}

describe("RTMP server handshake", () => {
  it("answers C0+C1 fed byte by byte with S0, S1 (zero version) and S2 echoing C1, then finishes on C2", () => {
    const hs = new RtmpServerHandshake(() => 5000);
    const client = c1();
    const input = Buffer.concat([Buffer.from([3]), client]);
    let reply: Buffer | undefined;
    for (let i = 0; i < input.length; i++) {
      const step = hs.push(input.subarray(i, i + 1));
      expect(step.ok).toBe(true);
      if (step.ok && step.reply) reply = step.reply;
      if (i < input.length - 1) expect(step.ok && step.reply).toBeFalsy();
    }
    expect(reply).toHaveLength(1 + 2 * HANDSHAKE_SIZE);
    expect(reply![0]).toBe(3);
    const s1 = reply!.subarray(1, 1 + HANDSHAKE_SIZE);
    const s2 = reply!.subarray(1 + HANDSHAKE_SIZE);
    expect(s1.readUInt32BE(0)).toBe(5000);
    expect(s1.readUInt32BE(4)).toBe(0);
    expect(s2.readUInt32BE(0)).toBe(1234);
    expect(s2.subarray(8).equals(client.subarray(8))).toBe(true);
    const c2 = Buffer.from(s1);
    for (let i = 0; i < HANDSHAKE_SIZE - 1; i++) expect(hs.push(c2.subarray(i, i + 1))).toMatchObject({ ok: true, done: false });
    expect(hs.push(c2.subarray(HANDSHAKE_SIZE - 1))).toMatchObject({ ok: true, done: true });
  });

  it("handles C0, C1, C2 and the first chunk bytes in one read, returning the reply and the rest", () => {
    const hs = new RtmpServerHandshake();
    const chunk = Buffer.from([0x03, 0, 0, 0]);
    const step = hs.push(Buffer.concat([Buffer.from([3]), c1(), randomBytes(HANDSHAKE_SIZE), chunk]));
    expect(step).toMatchObject({ ok: true, done: true });
    if (!step.ok) return;
    expect(step.reply).toHaveLength(1 + 2 * HANDSHAKE_SIZE);
    expect(step.rest.equals(chunk)).toBe(true);
  });

  it("accepts a Flash-style C1 with a version field and digest without checking the digest", () => {
    const hs = new RtmpServerHandshake();
    const step = hs.push(Buffer.concat([Buffer.from([3]), c1(0x80000702)]));
    expect(step).toMatchObject({ ok: true, done: false });
    expect(step.ok && step.reply?.length).toBe(1 + 2 * HANDSHAKE_SIZE);
  });

  it("refuses RTMPE (version 6) and any bytes after a failure", () => {
    const hs = new RtmpServerHandshake();
    expect(hs.push(Buffer.concat([Buffer.from([6]), c1()]))).toEqual({ ok: false, reason: "unsupported RTMP version 6" });
    expect(hs.push(Buffer.from([3])).ok).toBe(false);
  });
});
