import { PTS_MODULUS, type Frame } from "@ivc/media";
import { describe, expect, it } from "vitest";
import { TimestampRebaser } from "../src/timestamp-rebaser.js";

const FRAME = 3600;
const video = (dts: number, keyframe = false, pts = dts): Frame => ({ kind: "video", codec: "H264", dts, pts, data: Buffer.alloc(1), keyframe });
const audio = (dts: number): Frame => ({ kind: "audio", codec: "G711A", dts, pts: dts, data: Buffer.alloc(1), keyframe: true });

/** Feeds pictures 40 ms apart in wall time; `gop` pictures per keyframe. Returns output DTS (undefined = dropped). */
function feed(rebaser: TimestampRebaser, firstDts: number, count: number, wallStart: number, gop = 25): Array<number | undefined> {
  const out: Array<number | undefined> = [];
  for (let i = 0; i < count; i++) out.push(rebaser.push(video(firstDts + i * FRAME, i % gop === 0), wallStart + i * 40)?.dts);
  return out;
}

describe("TimestampRebaser", () => {
  it("passes a continuous stream through unchanged", () => {
    const rebaser = new TimestampRebaser({ maxLeapMs: 2000 });
    expect(feed(rebaser, 90_000, 50, 0)).toEqual(Array.from({ length: 50 }, (_, i) => 90_000 + i * FRAME));
    expect(rebaser.stats.discontinuities).toBe(0);
    expect(rebaser.sourceElapsedMs).toBe(49 * 40);
  });

  it("continues one picture after the last output when the device seeks backward, dropping pictures until its keyframe", () => {
    const rebaser = new TimestampRebaser({ maxLeapMs: 2000 });
    const before = feed(rebaser, 900_000, 30, 0);
    const last = before.at(-1)!;
    // The seek lands mid-GOP: two P-frames of the new position, then its keyframe.
    const after = [
      rebaser.push(video(450_000 + 23 * FRAME), 1200)?.dts,
      rebaser.push(video(450_000 + 24 * FRAME), 1240)?.dts,
      ...feed(rebaser, 450_000 + 25 * FRAME, 10, 1280),
    ];
    expect(after.slice(0, 2)).toEqual([undefined, undefined]);
    expect(after.slice(2)).toEqual(Array.from({ length: 10 }, (_, i) => last + (i + 1) * FRAME));
    expect(rebaser.stats).toMatchObject({ discontinuities: 1, droppedAwaitingKeyframe: 2 });
    // The position follows the device's clock: 10 s before where it started, plus 25+9 pictures.
    expect(rebaser.sourceElapsedMs).toBe((450_000 + 34 * FRAME - 900_000) / 90);
  });

  it("treats a jump forward beyond the wall clock as a seek, but not a burst after a stall", () => {
    const rebaser = new TimestampRebaser({ maxLeapMs: 2000 });
    const before = feed(rebaser, 90_000, 25, 0);
    // 3 s of wall time without packets, then the pictures of those 3 s in a burst: no jump.
    const burst = feed(rebaser, 90_000 + 25 * FRAME, 75, 4000).map((dts, i) => dts! - (before.at(-1)! + (i + 1) * FRAME));
    expect(burst.every((d) => d === 0)).toBe(true);
    expect(rebaser.stats.discontinuities).toBe(0);
    // A seek 60 s ahead 40 ms later.
    const lastOut = 90_000 + 99 * FRAME;
    const seek = feed(rebaser, 90_000 + 100 * FRAME + 60 * 90_000, 3, 7040);
    expect(seek).toEqual([lastOut + FRAME, lastOut + 2 * FRAME, lastOut + 3 * FRAME]);
    expect(rebaser.stats.discontinuities).toBe(1);
  });

  it("needs nothing for a pause: the device's clock resumes where it stopped", () => {
    const rebaser = new TimestampRebaser({ maxLeapMs: 2000 });
    feed(rebaser, 90_000, 10, 0);
    const resumed = feed(rebaser, 90_000 + 10 * FRAME, 5, 60_000, 1000);
    expect(resumed).toEqual(Array.from({ length: 5 }, (_, i) => 90_000 + (10 + i) * FRAME));
    expect(rebaser.stats.discontinuities).toBe(0);
  });

  it("takes pictures sent faster than real time (scale 4) as they come", () => {
    const rebaser = new TimestampRebaser({ maxLeapMs: 2000 });
    const out: Array<number | undefined> = [];
    for (let i = 0; i < 100; i++) out.push(rebaser.push(video(90_000 + i * FRAME, i % 25 === 0), i * 10)?.dts);
    expect(out).toEqual(Array.from({ length: 100 }, (_, i) => 90_000 + i * FRAME));
  });

  it("keeps PTS−DTS of B-frames across a rebase, and unwraps the 33-bit clock", () => {
    const rebaser = new TimestampRebaser({ maxLeapMs: 2000 });
    const nearWrap = PTS_MODULUS - 2 * FRAME;
    const a = rebaser.push(video(nearWrap, true, nearWrap + 2 * FRAME), 0)!;
    const b = rebaser.push(video(nearWrap + FRAME, false, nearWrap + 3 * FRAME), 40)!;
    const c = rebaser.push(video((nearWrap + 2 * FRAME) % PTS_MODULUS, false, (nearWrap + 4 * FRAME) % PTS_MODULUS), 80)!;
    expect([a.dts, b.dts, c.dts]).toEqual([nearWrap, nearWrap + FRAME, 0]);
    expect(rebaser.stats.discontinuities).toBe(0);
    const seeked = rebaser.push(video(5 * 90_000, true, 5 * 90_000 + 2 * FRAME), 120)!;
    expect(seeked.dts).toBe(FRAME);
    expect(seeked.pts).toBe(3 * FRAME);
  });

  it("does not take B-frames whose DTS is their PTS for a seek: the output never steps back", () => {
    const rebaser = new TimestampRebaser({ maxLeapMs: 2000 });
    // Decode order I P B B P B B with DTS = PTS: 0, 3, 1, 2, 6, 4, 5 pictures.
    const order = [0, 3, 1, 2, 6, 4, 5];
    const out = order.map((n, i) => rebaser.push(video(90_000 + n * FRAME, i === 0), i * 40)?.dts);
    expect(out).toEqual([0, 3, 3, 3, 6, 6, 6].map((n) => 90_000 + n * FRAME));
    expect(rebaser.stats.discontinuities).toBe(0);
  });

  it("drops audio of a timeline the video has not reached yet, and audio going backward", () => {
    const rebaser = new TimestampRebaser({ maxLeapMs: 2000 });
    rebaser.push(video(900_000, true), 0);
    expect(rebaser.push(audio(900_000), 0)?.dts).toBe(900_000);
    expect(rebaser.push(audio(900_000 - FRAME), 10)).toBeUndefined();
    // Audio of the seek target arrives before its first picture: not yet anchored.
    expect(rebaser.push(audio(90_000), 20)).toBeUndefined();
    expect(rebaser.push(video(90_000, true), 40)?.dts).toBe(900_000 + FRAME);
    expect(rebaser.push(audio(90_000), 40)?.dts).toBe(900_000 + FRAME);
    expect(rebaser.stats.droppedAudio).toBe(2);
  });
});
