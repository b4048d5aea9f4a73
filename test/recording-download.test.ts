import { execFile, execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { get, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Bus, connectNats } from "@ivc/bus";
import { isH264Keyframe, joinAnnexB, splitAccessUnits, TsSegmenter } from "@ivc/media";
import { createLogger } from "@ivc/runtime";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeviceEventHandlers } from "../services/api/src/bus/device-events.js";
import { recordingSegments } from "../services/api/src/db/schema.js";
import { serveRecordingBus } from "../services/api/src/recordings/recording-bus.js";
import { indexSegment } from "../services/api/src/recordings/segment-index.js";
import { ensureServiceNode } from "../services/api/src/store/service-nodes.js";
import { addGbChannel, type GbChannel } from "../services/api/test/support/gb-channels.js";
import { createHarness, testNode, type Harness } from "../services/api/test/support/harness.js";
import { createTestDatabase, type TestDatabase } from "../services/api/test/support/pg.js";
import { DiskSegmentStorage } from "../services/media-relay/src/recording/storage/disk-storage.js";
import { segmentKey } from "../services/media-relay/src/recording/storage/segment-storage.js";
import { testH264 } from "../services/media-relay/test/support/device.js";
import { startTestRelay, type TestRelay } from "../services/media-relay/test/support/relay.js";
import { startPrivateNats, type PrivateNats } from "./support/private-nats.js";

// Cloud-recording download end to end (spec 02 §24): the API's VideoDownloadUrl hands out the URL,
// the relay serves it from real MPEG-TS segments on disk (written by the recorder's TsSegmenter),
// asking the API over a private nats-server to verify it; ffprobe reads the MP4 and TS files.

const execFileAsync = promisify(execFile);
const SEGMENT_S = 4;
/** The test picture's GOP: 25 pictures at 25 fps. */
const GOP_S = 1;

let testDb: TestDatabase;
let h: Harness;
let nats: PrivateNats;
let apiBus: Bus;
let nc: Awaited<ReturnType<typeof connectNats>>;
let subs: Array<{ unsubscribe(): void }> = [];
let relay: TestRelay;
let recordingDir: string;
let work: string;
let cam: GbChannel;
/** Added to the API's clock when it verifies URLs (42504). */
let apiSkewMs = 0;
const cluster = randomUUID();
/** Two minutes of 4-second segments ending an hour ago, on a 4-second boundary. */
const base = Math.floor((Date.now() / 1000 - 3600) / SEGMENT_S) * SEGMENT_S - 120;

/** 120 s of the test picture cut by the recorder's segmenter, put to disk storage and indexed. */
async function storeSegments(): Promise<void> {
  const pictures = splitAccessUnits("H264", testH264()).map((nals) => ({ data: joinAnnexB(nals), keyframe: isH264Keyframe(nals) }));
  const segmenter = new TsSegmenter({ targetDurationMs: SEGMENT_S * 1000 });
  const storage = new DiskSegmentStorage({ root: recordingDir });
  const store = async (segment: { startTicks: number; endTicks: number; data: Buffer }) => {
    const startMs = base * 1000 + Math.round((segment.startTicks - 90000) / 90);
    const endMs = base * 1000 + Math.round((segment.endTicks - 90000) / 90);
    const objectKey = segmentKey(cam.deviceCode, cam.channelCode, startMs, endMs);
    await storage.put(objectKey, segment.data);
    await indexSegment(testDb.database.db, cluster, {
      deviceId: cam.deviceCode,
      channelId: cam.channelCode,
      planId: "p",
      startMs,
      endMs,
      bytes: segment.data.length,
      storage: "disk",
      objectKey,
      transitionDays: 7,
      expirationDays: 0,
    });
  };
  for (let i = 0; i < 120 * 25; i++) {
    const p = pictures[i % pictures.length]!;
    const dts = 90000 + i * 3600;
    const closed = segmenter.push({ kind: "video", codec: "H264", pts: dts, dts, data: p.data, keyframe: p.keyframe });
    if (closed) await store(closed);
  }
  const last = segmenter.flush();
  if (last) await store(last);
}

beforeAll(async () => {
  const logger = createLogger("download-test", "silent");
  work = mkdtempSync(join(tmpdir(), "ivc-download-"));
  recordingDir = join(work, "recordings");
  nats = await startPrivateNats(logger);
  nc = await connectNats({ url: nats.url, name: "download-test-api", logger });
  apiBus = new Bus(nc, logger);
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database);
  subs = serveRecordingBus(apiBus, { db: testDb.database.db, box: h.box, listDesiredRecordings: () => Promise.resolve([]), now: () => new Date(Date.now() + apiSkewMs) });
  relay = await startTestRelay({ RECORDING_DIR: recordingDir, RECORDING_DOWNLOAD_CONCURRENCY: "1" }, { recordingPollMs: 60_000 }, 1, { natsUrl: nats.url, clusterId: cluster });
  await ensureServiceNode(testDb.database.db, { ...testNode, id: cluster, name: "download-node", mediaHost: "127.0.0.1", mediaHttpPort: relay.relay.httpPort });
  cam = await addGbChannel(h, createDeviceEventHandlers(testDb.database.db), { clusterId: cluster });
  await storeSegments();
}, 60_000);
afterAll(async () => {
  subs.forEach((s) => s.unsubscribe());
  await relay?.stop();
  await nc?.drain();
  await nats?.stop();
  await h?.app.close();
  await testDb?.drop();
  rmSync(work, { recursive: true, force: true });
});

type Envelope = { RequestId: string; Code: number; StatusCode: number; Message: string; Data: unknown };

async function downloadUrl(begin: number, end: number, fileType: string): Promise<string> {
  const { env } = await h.call<{ Url: string }>(h.alice, "POST", "/ivc/vds/VideoDownloadUrl", { ChannelId: cam.channelId, BeginTime: String(begin), EndTime: String(end), FileType: fileType });
  expect(env.StatusCode, JSON.stringify(env)).toBe(200);
  return env.Data.Url;
}

function open(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => get(url, resolve).on("error", reject));
}

async function body(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function refusal(url: string): Promise<{ status: number; env: Envelope }> {
  const res = await open(url);
  return { status: res.statusCode ?? 0, env: JSON.parse((await body(res)).toString("utf8")) as Envelope };
}

async function probe(file: string): Promise<{ duration: number; format: string; codecs: string[] }> {
  const { stdout } = await execFileAsync("ffprobe", ["-v", "error", "-show_entries", "format=duration,format_name:stream=codec_name", "-of", "json", file]);
  const parsed = JSON.parse(stdout) as { format: { duration: string; format_name: string }; streams: Array<{ codec_name: string }> };
  return { duration: Number(parsed.format.duration), format: parsed.format.format_name, codecs: parsed.streams.map((s) => s.codec_name) };
}

function ffmpegChildren(): number {
  try {
    return execFileSync("pgrep", ["-P", String(process.pid), "-x", "ffmpeg"], { encoding: "utf8" }).trim().split("\n").filter(Boolean).length;
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
}

async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("cloud-recording download", () => {
  // 40 s from a segment boundary: segments 2–11 of the two minutes.
  const begin = base + 8;
  const end = base + 48;

  for (const fileType of ["ts", "mp4"] as const) {
    it(`downloads ${fileType.toUpperCase()} chunked, named {ChannelId}-{BeginTime}-{EndTime}.${fileType}, that ffprobe reads with the range's duration (± one GOP)`, async () => {
      const url = await downloadUrl(begin, end, fileType);
      expect(new URL(url).origin).toBe(`http://127.0.0.1:${relay.relay.httpPort}`);
      const res = await open(url);
      expect(res.statusCode).toBe(200);
      expect(res.headers["transfer-encoding"]).toBe("chunked");
      expect(res.headers["content-disposition"]).toBe(`attachment; filename="${cam.channelId}-${begin}-${end}.${fileType}"`);
      const file = join(work, `download.${fileType}`);
      writeFileSync(file, await body(res));
      const probed = await probe(file);
      expect(probed.format).toContain(fileType === "ts" ? "mpegts" : "mp4");
      expect(probed.codecs).toEqual(["h264"]);
      expect(Math.abs(probed.duration - (end - begin))).toBeLessThanOrEqual(GOP_S);
    }, 30_000);
  }

  it("refuses a tampered or malformed URL with 42503 (HTTP 403) in the API's envelope", async () => {
    const url = new URL(await downloadUrl(begin, end, "ts"));
    const tampered = new URL(url);
    tampered.searchParams.set("source", `${cam.channelId};${begin};${end + 600};ts`);
    const refused = await refusal(tampered.toString());
    expect(refused.status).toBe(403);
    expect(refused.env).toMatchObject({ Code: 500, StatusCode: 42503, Message: "非法的下载 URL" });
    const unsigned = new URL(url);
    unsigned.searchParams.delete("sign");
    expect((await refusal(unsigned.toString())).env.StatusCode).toBe(42503);
    // A TS grant is not an MP4 one: the path must say what the URL was signed for.
    expect((await refusal(url.toString().replace("/video.ts", "/video.mp4"))).env.StatusCode).toBe(42503);
  });

  it("refuses an expired URL with 42504 (HTTP 403)", async () => {
    const url = await downloadUrl(begin, end, "ts");
    apiSkewMs = 601_000;
    try {
      const refused = await refusal(url);
      expect(refused.status).toBe(403);
      expect(refused.env).toMatchObject({ StatusCode: 42504, Message: "下载 URL 已过期" });
    } finally {
      apiSkewMs = 0;
    }
  });

  it("refuses a download over the concurrency limit with 42505 (HTTP 402); a client that leaves frees its slot and its ffmpeg", async () => {
    const url = await downloadUrl(base, base + 120, "mp4");
    const first = await open(url); // headers in, the body is not read: the download stays open
    expect(first.statusCode).toBe(200);
    expect(ffmpegChildren()).toBe(1);
    const refused = await refusal(url);
    expect(refused.status).toBe(402);
    expect(refused.env).toMatchObject({ StatusCode: 42505, Message: "并发下载数超限" });
    first.destroy();
    await until(() => ffmpegChildren() === 0);
    await until(async () => (await open(url).then(async (res) => (res.resume(), res.statusCode))) === 200);
  }, 30_000);

  it("answers 42506 when the range went cold and 42501 when its segments are gone after the URL was issued", async () => {
    const url = await downloadUrl(begin, end, "ts");
    const db = testDb.database.db;
    const inRange = (await db.select({ key: recordingSegments.objectKey, start: recordingSegments.startAt }).from(recordingSegments)).filter((r) => r.start.getTime() === (base + 8) * 1000);
    await db.update(recordingSegments).set({ storageClass: "cold" }).where(eq(recordingSegments.objectKey, inRange[0]!.key));
    const cold = await refusal(url);
    expect(cold.status).toBe(400);
    expect(cold.env.StatusCode).toBe(42506);
    await db.delete(recordingSegments).where(eq(recordingSegments.channelCode, cam.channelCode));
    const gone = await refusal(url);
    expect(gone.status).toBe(400);
    expect(gone.env.StatusCode).toBe(42501);
  });
});
