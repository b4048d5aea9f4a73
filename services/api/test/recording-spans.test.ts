import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/database.js";
import { openDatabase } from "../src/db/open.js";
import { recordingSegments, recordingSpans } from "../src/db/schema.js";
import { cloudTimeline, indexSegment, lifecycleDone, segmentsInRange } from "../src/recordings/segment-index.js";
import { leavesUncovered } from "../src/recordings/timeline-segments.js";
import { createTestDatabase, type TestDatabase } from "./support/pg.js";

// recording_spans (migration 0014) is kept by triggers on recording_segments. Whatever the order of
// writes (segments out of order, overlapping, with sub-second gaps, long ones, moved to cold,
// deleted), it must equal the runs computed from the segments that remain, on PostgreSQL and on
// the embedded PGlite alike, and the timeline built on it must say what the segments say.

const DEVICE = "34020000001320000001";
const CHANNEL = "34020000001310000001";
const T0 = Date.UTC(2026, 10, 1);
const GAP_MS = 1000;

interface Seg {
  key: string;
  startMs: number;
  endMs: number;
  cls: "standard" | "cold";
}

/** A seeded generator: a failure prints its seed and replays. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** The runs the spans table must hold: segments of a class merged across gaps of at most a second. */
function expectedRuns(segments: readonly Seg[], cls: Seg["cls"]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (const s of segments.filter((x) => x.cls === cls).sort((a, b) => a.startMs - b.startMs)) {
    const last = runs.at(-1);
    if (last && s.startMs <= last[1] + GAP_MS) last[1] = Math.max(last[1], s.endMs);
    else runs.push([s.startMs, s.endMs]);
  }
  return runs;
}

async function storedRuns(database: Database, cls: Seg["cls"]): Promise<Array<[number, number]>> {
  const rows = await database.db
    .select({ startAt: recordingSpans.startAt, endAt: recordingSpans.endAt })
    .from(recordingSpans)
    .where(and(eq(recordingSpans.deviceCode, DEVICE), eq(recordingSpans.channelCode, CHANNEL), eq(recordingSpans.storageClass, cls)))
    .orderBy(asc(recordingSpans.startAt));
  return rows.map((r) => [r.startAt.getTime(), r.endAt.getTime()]);
}

function makeSegments(next: () => number, count: number): Seg[] {
  const segments: Seg[] = [];
  let at = T0;
  for (let i = 0; i < count; i++) {
    const roll = next();
    // Mostly back to back; sometimes a sub-second gap (still one run), a gap of 1–3 s (maybe not), a long stall.
    at += roll < 0.6 ? 0 : roll < 0.75 ? Math.floor(next() * 900) : roll < 0.9 ? 1000 + Math.floor(next() * 2000) : 60_000;
    const length = next() < 0.1 ? 20_000 + Math.floor(next() * 40_000) : 4000 + Math.floor(next() * 2000);
    segments.push({ key: `spans/${i}`, startMs: at, endMs: at + length, cls: "standard" });
    // An overlapping segment now and then: an upload of the same time as a live recording.
    if (next() < 0.08) segments.push({ key: `spans/${i}b`, startMs: at + 1500, endMs: at + 1500 + Math.floor(next() * 8000) + 500, cls: "standard" });
    at += length;
  }
  return segments;
}

function shuffle<T>(items: T[], next: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

async function index(database: Database, s: Seg): Promise<void> {
  await indexSegment(database.db, "cluster", { deviceId: DEVICE, channelId: CHANNEL, planId: "p", startMs: s.startMs, endMs: s.endMs, bytes: 1, storage: "disk", objectKey: s.key, transitionDays: 30, expirationDays: 30 });
}

function spansSuite(name: string, open: () => Promise<{ database: Database; close(): Promise<void> }>): void {
  describe(`recording spans on ${name}`, () => {
    let handle: { database: Database; close(): Promise<void> };
    beforeAll(async () => {
      handle = await open();
    });
    afterAll(async () => {
      await handle?.close();
    });

    for (const seed of [1, 7, 42]) {
      it(`match the runs of the remaining segments through inserts, moves to cold and deletes (seed ${seed})`, async () => {
        const { database } = handle;
        await database.db.delete(recordingSegments);
        const next = random(seed);
        const live = shuffle(makeSegments(next, 60), next);
        for (const s of live) await index(database, s);
        expect(await storedRuns(database, "standard"), `seed ${seed}`).toEqual(expectedRuns(live, "standard"));

        // The lifecycle moves and deletes one segment at a time, mostly oldest first, not always.
        for (const s of shuffle([...live], next).slice(0, 40)) {
          if (s.cls === "standard" && next() < 0.6) {
            await lifecycleDone(database.db, "cluster", s.key, "cold");
            s.cls = "cold";
          } else {
            await lifecycleDone(database.db, "cluster", s.key, "deleted");
            live.splice(live.indexOf(s), 1);
          }
          expect(await storedRuns(database, "standard"), `seed ${seed} after ${s.key}`).toEqual(expectedRuns(live, "standard"));
          expect(await storedRuns(database, "cold"), `seed ${seed} after ${s.key}`).toEqual(expectedRuns(live, "cold"));
        }
      });
    }

    it("answer the timeline: what plays, and archived only where cold runs are not restored", async () => {
      const { database } = handle;
      await database.db.delete(recordingSegments);
      const at = (s: number) => T0 + s * 1000;
      const segments: Seg[] = [0, 5, 10, 15, 30, 35].map((s) => ({ key: `tl/${s}`, startMs: at(s), endMs: at(s + 5), cls: "standard" }));
      for (const s of segments) await index(database, s);
      expect((await cloudTimeline(database.db, DEVICE, CHANNEL, at(0), at(60))).spans).toEqual([
        { startMs: at(0), endMs: at(20) },
        { startMs: at(30), endMs: at(40) },
      ]);
      // A range that starts inside a run reaches back to it; one inside the gap finds nothing before it.
      expect((await cloudTimeline(database.db, DEVICE, CHANNEL, at(12), at(31))).spans).toEqual([
        { startMs: at(0), endMs: at(20) },
        { startMs: at(30), endMs: at(40) },
      ]);
      expect((await cloudTimeline(database.db, DEVICE, CHANNEL, at(21), at(29))).spans).toEqual([]);

      await lifecycleDone(database.db, "cluster", "tl/30", "cold");
      await lifecycleDone(database.db, "cluster", "tl/35", "cold");
      const cold = await cloudTimeline(database.db, DEVICE, CHANNEL, at(0), at(60));
      expect(cold).toEqual({ spans: [{ startMs: at(0), endMs: at(20) }], archived: true });
      expect((await cloudTimeline(database.db, DEVICE, CHANNEL, at(0), at(20))).archived).toBe(false);

      // One of the two cold segments restored: still archived; both: nothing archived, both play.
      const now = new Date(at(100));
      const restore = (key: string) => database.db.update(recordingSegments).set({ restoredUntil: new Date(at(200)) }).where(eq(recordingSegments.objectKey, key));
      await restore("tl/30");
      expect(await cloudTimeline(database.db, DEVICE, CHANNEL, at(0), at(60), now)).toEqual({
        spans: [{ startMs: at(0), endMs: at(20) }, { startMs: at(30), endMs: at(35) }],
        archived: true,
      });
      await restore("tl/35");
      expect((await cloudTimeline(database.db, DEVICE, CHANNEL, at(0), at(60), now)).archived).toBe(false);
      // Past restored_until the copies do not play any more.
      expect(await cloudTimeline(database.db, DEVICE, CHANNEL, at(0), at(60), new Date(at(300)))).toEqual({ spans: [{ startMs: at(0), endMs: at(20) }], archived: true });
      // The restore did not change the runs: restored_until is not a run's business.
      expect(await storedRuns(database, "cold")).toEqual([[at(30), at(40)]]);
    });

    it("find a long segment that began well before the range (the scan starts the longest segment back)", async () => {
      const { database } = handle;
      await database.db.delete(recordingSegments);
      const long: Seg = { key: "long/0", startMs: T0, endMs: T0 + 3_600_000, cls: "standard" };
      const short: Seg = { key: "long/1", startMs: T0 + 3_600_000, endMs: T0 + 3_605_000, cls: "standard" };
      await index(database, long);
      await index(database, short);
      const found = await segmentsInRange(database.db, DEVICE, CHANNEL, T0 + 3_000_000, T0 + 3_601_000);
      expect(found.map((s) => s.objectKey)).toEqual(["long/0", "long/1"]);
    });
  });
}

spansSuite("PostgreSQL", async () => {
  const testDb: TestDatabase = await createTestDatabase();
  return { database: testDb.database, close: () => testDb.drop() };
});

spansSuite("PGlite", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ivc-spans-"));
  const database = await openDatabase(undefined, { pgliteDir: dir });
  return {
    database,
    async close() {
      await database.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe("leavesUncovered", () => {
  it("is false only when the covers reach over every part longer than the tolerance", () => {
    const span = [{ startMs: 0, endMs: 10_000 }];
    expect(leavesUncovered(span, [], 1000)).toBe(true);
    expect(leavesUncovered(span, [{ startMs: 0, endMs: 10_000 }], 1000)).toBe(false);
    expect(leavesUncovered(span, [{ startMs: 500, endMs: 4000 }, { startMs: 4800, endMs: 9500 }], 1000)).toBe(false);
    expect(leavesUncovered(span, [{ startMs: 0, endMs: 4000 }, { startMs: 5200, endMs: 10_000 }], 1000)).toBe(true);
    expect(leavesUncovered(span, [{ startMs: -5000, endMs: 8000 }], 1000)).toBe(true);
    expect(leavesUncovered([], [], 1000)).toBe(false);
  });
});
