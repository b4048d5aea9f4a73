import { execFile, execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { get, type IncomingMessage } from "node:http";
import { join } from "node:path";
import { promisify } from "node:util";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordingSegments } from "../services/api/src/db/schema.js";
import { recentBase, startDownloadStack, type DownloadStack } from "./support/download-stack.js";

// Cloud-recording download end to end (spec 02 §24): the API's VideoDownloadUrl hands out the URL,
// the relay serves it from real MPEG-TS segments on disk (written by the recorder's TsSegmenter),
// asking the API over a private nats-server to verify it; ffprobe reads the MP4 and TS files.

const execFileAsync = promisify(execFile);
/** The test picture's GOP: 25 pictures at 25 fps. */
const GOP_S = 1;

const SEGMENT_S = 4;
/** Two minutes of 4-second segments ending an hour ago. */
const base = recentBase(120, SEGMENT_S);
let stack: DownloadStack;

beforeAll(async () => {
  // One download at a time, so the limit is easy to reach.
  stack = await startDownloadStack({ base, seconds: 120, segmentSeconds: SEGMENT_S, concurrency: 1 });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

type Envelope = { RequestId: string; Code: number; StatusCode: number; Message: string; Data: unknown };

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
      const url = await stack.downloadUrl(begin, end, fileType);
      expect(new URL(url).origin).toBe(`http://127.0.0.1:${stack.relay.relay.httpPort}`);
      const res = await open(url);
      expect(res.statusCode).toBe(200);
      expect(res.headers["transfer-encoding"]).toBe("chunked");
      expect(res.headers["content-disposition"]).toBe(`attachment; filename="${stack.cam.channelId}-${begin}-${end}.${fileType}"`);
      const file = join(stack.work, `download.${fileType}`);
      writeFileSync(file, await body(res));
      const probed = await probe(file);
      expect(probed.format).toContain(fileType === "ts" ? "mpegts" : "mp4");
      expect(probed.codecs).toEqual(["h264"]);
      expect(Math.abs(probed.duration - (end - begin))).toBeLessThanOrEqual(GOP_S);
    }, 30_000);
  }

  it("refuses a tampered or malformed URL with 42503 (HTTP 403) in the API's envelope", async () => {
    const url = new URL(await stack.downloadUrl(begin, end, "ts"));
    const tampered = new URL(url);
    tampered.searchParams.set("source", `${stack.cam.channelId};${begin};${end + 600};ts`);
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
    const url = await stack.downloadUrl(begin, end, "ts");
    stack.apiSkewMs = 601_000;
    try {
      const refused = await refusal(url);
      expect(refused.status).toBe(403);
      expect(refused.env).toMatchObject({ StatusCode: 42504, Message: "下载 URL 已过期" });
    } finally {
      stack.apiSkewMs = 0;
    }
  });

  it("refuses a download over the concurrency limit with 42505 (HTTP 402); a client that leaves frees its slot and its ffmpeg", async () => {
    const url = await stack.downloadUrl(base, base + 120, "mp4");
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
    const url = await stack.downloadUrl(begin, end, "ts");
    const db = stack.testDb.database.db;
    const inRange = (await db.select({ key: recordingSegments.objectKey, start: recordingSegments.startAt }).from(recordingSegments)).filter((r) => r.start.getTime() === (base + 8) * 1000);
    await db.update(recordingSegments).set({ storageClass: "cold" }).where(eq(recordingSegments.objectKey, inRange[0]!.key));
    const cold = await refusal(url);
    expect(cold.status).toBe(400);
    expect(cold.env.StatusCode).toBe(42506);
    await db.delete(recordingSegments).where(eq(recordingSegments.channelCode, stack.cam.channelCode));
    const gone = await refusal(url);
    expect(gone.status).toBe(400);
    expect(gone.env.StatusCode).toBe(42501);
  });
});
