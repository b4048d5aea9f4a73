import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { aiDesired, aiResultReported, aiSnapshotAuthorize, aiTasksChanged, Bus, connectNats, type AiResultReport, type DesiredAnalysis } from "@ivc/bus";
import { isH264Keyframe, splitAccessUnits, type Frame } from "@ivc/media";
import { createLogger, Registry } from "@ivc/runtime";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Analyser, createAnalyserMetrics } from "../../src/ai/analyser.js";
import { modelResolver } from "../../src/ai/start-analyser.js";
import { DiskSegmentStorage } from "../../src/recording/storage/disk-storage.js";
import type { StreamSession } from "../../src/stream-session.js";
import { startPrivateNats, type PrivateNats } from "../../../../test/support/private-nats.js";
import { brightnessModel } from "../support/onnx-model.js";

// The analyser on real NATS, ffmpeg, the COCO detector shipped in @vladmandic/human, a user ONNX
// model the test writes (its box scores the frame's brightness) and disk storage. The API's side is
// answered by this test; the stream is a stand-in session fed the access units of clips ffmpeg
// makes: one from the package's own photo of people, empty scenes, white and black frames.

const DEVICE = "34020000001320000001";
const CHANNEL = "34020000001310000001";
const STREAM = `${DEVICE}_${CHANNEL}`;
const logger = createLogger("relay-ai-test", "silent");
const samplesJpg = join(dirname(createRequire(import.meta.url).resolve("@vladmandic/human")), "..", "assets", "samples.jpg");

let nats: PrivateNats;
let bus: Bus;
let nc: Awaited<ReturnType<typeof connectNats>>;
let dir: string;
let storage: DiskSegmentStorage;
let analyser: Analyser;
let server: Server;
let wanted: DesiredAnalysis[] = [];
const reports: AiResultReport[] = [];
let authorized = true;
const taps = new Set<(frame: Frame) => void>();

/** Stands in for the recorder's open stream: what the analyser uses of a StreamSession. */
const session = { state: "playing", tapFrames: (tap: (f: Frame) => void) => (taps.add(tap), () => taps.delete(tap)) } as unknown as StreamSession;

/** H.264 access units (Annex-B) of a 2 s, 5 fps clip with a keyframe every 5 frames. */
function clip(input: string[]): Frame[] {
  const es = execFileSync("ffmpeg", ["-v", "error", ...input, "-t", "2", "-r", "5", "-vf", "scale=640:360,format=yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-g", "5", "-f", "h264", "pipe:1"]);
  return splitAccessUnits("H264", es).map((nalus, i) => ({ kind: "video", codec: "H264", pts: i * 18_000, dts: i * 18_000, data: Buffer.concat(nalus.flatMap((n) => [Buffer.from([0, 0, 0, 1]), n])), keyframe: isH264Keyframe(nalus) }));
}

const template = (intervalSeconds = 1): DesiredAnalysis["templates"] => [{ tag: "AI", detectType: "Body", intervalSeconds }, { tag: "AI", detectType: "Car", intervalSeconds }];
const analysis = (templates = template()): DesiredAnalysis => ({ taskId: `at${"a".repeat(32)}`, deviceId: DEVICE, channelId: CHANNEL, streamId: STREAM, templates, keepDays: 7 });

async function play(frames: Frame[], clock: { now: number }): Promise<void> {
  for (const frame of frames) {
    clock.now += 200;
    for (const tap of taps) tap(frame);
    await analyser.idle();
  }
}

const clock = { now: Date.UTC(2026, 11, 7, 2, 0, 0) };

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((done) => setTimeout(done, 20));
  }
}

beforeAll(async () => {
  nats = await startPrivateNats(logger);
  nc = await connectNats({ url: nats.url, name: "relay-ai-test", logger });
  bus = new Bus(nc, logger);
  const scope = { clusterId: "c1" };
  bus.reply(aiDesired, scope, () => ({ analyses: wanted }));
  bus.reply(aiResultReported, scope, (r) => {
    reports.push(r);
    return { stored: true };
  });
  bus.reply(aiSnapshotAuthorize, scope, () => (authorized ? { allowed: true } : { allowed: false, reason: "bad-signature" }));
  await nc.flush();
  dir = mkdtempSync(join(tmpdir(), "ivc-ai-"));
  storage = new DiskSegmentStorage({ root: dir });
  const maskModel = join(dir, "mask.onnx");
  writeFileSync(maskModel, brightnessModel());
  const corruptModel = join(dir, "smoking.onnx");
  writeFileSync(corruptModel, "not an onnx file");
  analyser = new Analyser({
    bus,
    clusterId: "c1",
    streams: { get: (id) => (id === STREAM ? session : undefined) },
    storage,
    logger,
    metrics: createAnalyserMetrics(new Registry()),
    detectorFor: modelResolver({ Facemask: maskModel, Smoking: corruptModel }, logger),
    pollMs: 60_000,
    maxConcurrent: 1,
    now: () => clock.now,
  });
  server = createServer((req, res) => {
    if (!analyser.handle(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
}, 60_000);
afterAll(async () => {
  await analyser?.stop();
  server?.close();
  await nc?.drain();
  await nats?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("AI analyser", () => {
  it("finds a person in a frame made from a photo of people, stores the JPEG and reports Body only where a model saw it", async () => {
    wanted = [analysis()];
    await analyser.poll();
    reports.length = 0;
    await play(clip(["-loop", "1", "-i", samplesJpg]), clock);
    const body = reports.filter((r) => r.detectType === "Body");
    // 2 s of stream at a 1 s interval: a snapshot at the first keyframe and one a second later.
    expect(body.length).toBe(2);
    expect(body[0]!.detections.length).toBeGreaterThan(0);
    expect(body[0]!.detections.every((d) => d.name === "person" && d.score >= 30 && d.width > 0 && d.height > 0 && d.x + d.width <= 640 && d.y + d.height <= 360)).toBe(true);
    // No car in the photo: the Car template reports the snapshot with no box rather than an invented one.
    expect(reports.filter((r) => r.detectType === "Car").every((r) => r.detections.length === 0)).toBe(true);
    const jpeg = await storage.read(body[0]!.snapshotKey, "standard");
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(body[0]!.snapshotKey).toMatch(new RegExp(`^ai/${DEVICE}/${CHANNEL}/\\d{8}/\\d+\\.jpg$`));
    // The channel's plan keeps recordings 7 days: the API deletes the snapshot with them.
    expect(body.every((r) => r.keepDays === 7)).toBe(true);
  }, 60_000);

  it("reports no detection on an empty scene", async () => {
    reports.length = 0;
    clock.now += 10_000;
    await play(clip(["-f", "lavfi", "-i", "color=c=0x808080:s=640x360"]), clock);
    expect(reports.length).toBeGreaterThan(0);
    expect(reports.every((r) => r.detections.length === 0)).toBe(true);
  }, 60_000);

  it("reports a user ONNX model's DetectType only where that model fired; a model that cannot load reports nothing, warned once", async () => {
    const warnings = vi.spyOn(logger, "warn");
    const errors = vi.spyOn(logger, "error");
    wanted = [analysis([{ tag: "AI", detectType: "Facemask", intervalSeconds: 1 }, { tag: "AI", detectType: "Smoking", intervalSeconds: 1 }])];
    await analyser.poll();
    reports.length = 0;
    clock.now += 10_000;
    await play(clip(["-f", "lavfi", "-i", "color=c=white:s=640x360"]), clock);
    const bright = reports.filter((r) => r.detectType === "Facemask");
    expect(bright.length).toBe(2);
    expect(bright.every((r) => r.detections.length === 1 && r.detections[0]!.name === "facemask" && r.detections[0]!.score >= 95)).toBe(true);
    expect(bright[0]!.detections[0]).toMatchObject({ x: 160, y: 90, width: 320, height: 180 });
    expect((await storage.read(bright[0]!.snapshotKey, "standard")).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));

    reports.length = 0;
    clock.now += 10_000;
    await play(clip(["-f", "lavfi", "-i", "color=c=black:s=640x360"]), clock);
    const dark = reports.filter((r) => r.detectType === "Facemask");
    expect(dark.length).toBe(2);
    expect(dark.every((r) => r.detections.length === 0)).toBe(true);

    // The corrupt Smoking model: logged once with its path, warned once, never a result.
    expect(reports.some((r) => r.detectType === "Smoking")).toBe(false);
    expect(errors.mock.calls.filter(([o]) => (o as { stage?: string }).stage === "ai model load")).toEqual([[expect.objectContaining({ detectType: "Smoking", path: join(dir, "smoking.onnx") }), expect.any(String)]]);
    expect(warnings.mock.calls.filter(([o]) => (o as { detectType?: string }).detectType === "Smoking")).toHaveLength(1);
    warnings.mockRestore();
    errors.mockRestore();
  }, 60_000);

  it("takes no snapshot once the API stops naming the channel (task off, outside its windows)", async () => {
    wanted = [];
    await analyser.poll();
    reports.length = 0;
    clock.now += 10_000;
    await play(clip(["-f", "lavfi", "-i", "color=c=0x808080:s=640x360"]), clock);
    expect(reports).toEqual([]);
    expect(taps.size).toBe(0);
  }, 60_000);

  it("stops a task at once when the API pushes its change (status off), long before the next poll", async () => {
    const snapshots = (): DesiredAnalysis["templates"] => [{ tag: "Snapshot", intervalSeconds: 1 }];
    wanted = [analysis(snapshots())];
    // Started with the test's 60 s poll: only the first question and the pushes can change anything here.
    analyser.start();
    await waitFor(() => taps.size === 1);
    reports.length = 0;
    clock.now += 10_000;
    await play(clip(["-f", "lavfi", "-i", "color=c=0x808080:s=640x360"]), clock);
    expect(reports.length).toBeGreaterThan(0);

    wanted = [];
    const asked = Date.now();
    bus.publish(aiTasksChanged, { taskId: analysis().taskId, at: Date.now() });
    await waitFor(() => taps.size === 0);
    expect(Date.now() - asked).toBeLessThan(5_000);
    reports.length = 0;
    clock.now += 10_000;
    await play(clip(["-f", "lavfi", "-i", "color=c=0x808080:s=640x360"]), clock);
    expect(reports).toEqual([]);

    // And on again, as promptly.
    wanted = [analysis(snapshots())];
    bus.publish(aiTasksChanged, { taskId: analysis().taskId, at: Date.now() });
    await waitFor(() => taps.size === 1);
  }, 60_000);

  it("serves a snapshot only when the API says its URL is valid", async () => {
    const key = "ai/d/c/20261207/1.jpg";
    await storage.put(key, Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ai/snapshot/${key}`;
    authorized = true;
    const ok = await fetch(`${base}?Expires=9999999999&Signature=abc`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("image/jpeg");
    expect(Buffer.from(await ok.arrayBuffer())).toEqual(Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    expect((await fetch(base)).status).toBe(403);
    authorized = false;
    expect((await fetch(`${base}?Expires=9999999999&Signature=abc`)).status).toBe(403);
  });
});
