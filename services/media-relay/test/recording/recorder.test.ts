import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordingDesired, recordingSegmentsQuery, recordingSegmentStored, sipBye, sipInvite, type DesiredRecording, type StoredSegment } from "@ivc/bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IndexJournal } from "../../src/recording/index-journal.js";
import { createRecordingMetrics } from "../../src/recording/recording-metrics.js";
import { SegmentSink } from "../../src/recording/segment-sink.js";
import { DiskSegmentStorage } from "../../src/recording/storage/disk-storage.js";
import { segmentKey } from "../../src/recording/storage/segment-storage.js";
import { createLogger, Registry } from "@ivc/runtime";
import { ssrcToNumber } from "../../src/ssrc.js";
import { streamPs, testH264, udpSender, type TestDevice } from "../support/device.js";
import { portRange, startTestRelay, type TestRelay } from "../support/relay.js";
import { httpGet } from "../support/viewers.js";

// The recorder in a real relay: NATS, Redis, UDP PS/RTP from a simulated camera, segments on disk,
// read back with ffprobe. The API's side (what to record, index rows) and signaling are answered
// by this test on the relay's cluster subjects.

const execFileAsync = promisify(execFile);
const DEVICE = "34020000001320000001";
const CHANNEL = "34020000001310000001";
const STREAM = `${DEVICE}_${CHANNEL}`;
const desired: DesiredRecording = { deviceId: DEVICE, channelId: CHANNEL, streamId: STREAM, planId: "plan-1", transitionDays: 7, expirationDays: 30 };

let t: TestRelay;
let recordingDir: string;
let wanted: DesiredRecording[] = [];
const indexed: StoredSegment[] = [];
const invites: string[] = [];
const byes: string[] = [];
let device: TestDevice | undefined;
let deviceSocket: ReturnType<typeof udpSender> | undefined;
let subs: Array<{ unsubscribe(): void }> = [];

function stopDevice(): void {
  device?.stop();
  deviceSocket?.close();
  device = undefined;
  deviceSocket = undefined;
}

beforeAll(async () => {
  testH264();
  recordingDir = mkdtempSync(join(tmpdir(), "ivc-recorder-"));
  t = await startTestRelay(
    { RTP_PORTS: portRange(45100), PLAY_TIMEOUT: "4", RTP_SILENCE_TIMEOUT: "1", NO_VIEWER_CLOSE: "1", RECORDING_DIR: recordingDir, RECORDING_SEGMENT_SECONDS: "1" },
    { recordingPollMs: 300, recordingRetryFirstMs: 300, recordingRetryMaxMs: 1000, recordingStoreRetryMs: 200 },
  );
  const scope = { clusterId: t.clusterId };
  subs = [
    t.bus.reply(recordingDesired, scope, () => ({ recordings: wanted })),
    t.bus.reply(recordingSegmentStored, scope, (segment) => {
      if (!indexed.some((s) => s.objectKey === segment.objectKey)) indexed.push(segment);
      return { indexed: true };
    }),
    t.bus.reply(recordingSegmentsQuery, scope, (q) => ({
      segments: indexed
        .filter((s) => s.deviceId === q.deviceId && s.channelId === q.channelId && s.startMs < q.endMs && s.endMs > q.startMs)
        .sort((a, b) => a.startMs - b.startMs)
        .map((s) => ({ startMs: s.startMs, endMs: s.endMs, bytes: s.bytes, storageClass: "standard" as const, objectKey: s.objectKey })),
    })),
    t.bus.reply(sipInvite, scope, (req) => {
      invites.push(req.streamId);
      stopDevice();
      deviceSocket = udpSender("127.0.0.1", req.mediaPort);
      device = streamPs(ssrcToNumber(req.ssrc), deviceSocket.send);
      return { callId: `call-${invites.length}` };
    }),
    t.bus.reply(sipBye, scope, (req) => {
      byes.push(req.callId);
      stopDevice();
      return { sent: true };
    }),
  ];
});
afterAll(async () => {
  stopDevice();
  subs.forEach((s) => s.unsubscribe());
  await t?.stop();
  rmSync(recordingDir, { recursive: true, force: true });
});

function probeDuration(data: Buffer): number {
  const path = join(recordingDir, "probe.ts");
  writeFileSync(path, data);
  const r = spawnSync("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path], { encoding: "utf8" });
  return Number(r.stdout.trim());
}

interface Status {
  state: string;
  reason?: string;
  segmentsStored: number;
}

async function statuses(): Promise<Status[]> {
  const res = await httpGet(`http://127.0.0.1:${t.relay.httpPort}/api/recordings`, 100_000, 2000);
  return (JSON.parse(res.body.toString()) as { recordings: Status[] }).recordings;
}

describe("recorder", () => {
  it("pulls a scheduled channel with no viewer, writes ffprobe-readable segments and indexes them after they are durable", async () => {
    wanted = [desired];
    await expect.poll(() => indexed.length, { timeout: 10_000, interval: 100 }).toBeGreaterThanOrEqual(3);
    // NO_VIEWER_CLOSE is 1 s and nobody watches: the recorder alone keeps the stream.
    expect(t.relay.registry.get(STREAM)?.state).toBe("playing");
    expect(invites).toEqual([STREAM]);
    const storage = new DiskSegmentStorage({ root: recordingDir });
    for (const segment of indexed.slice(0, 3)) {
      const data = await storage.read(segment.objectKey, "standard");
      expect(data.length).toBe(segment.bytes);
      expect(probeDuration(data)).toBeCloseTo((segment.endMs - segment.startMs) / 1000, 1);
      expect(segment).toMatchObject({ deviceId: DEVICE, channelId: CHANNEL, planId: "plan-1", storage: "disk", transitionDays: 7, expirationDays: 30 });
    }
    for (let i = 1; i < 3; i++) expect(indexed[i]!.startMs).toBe(indexed[i - 1]!.endMs);
    // A viewer joins the recorder's stream: no second INVITE.
    const viewer = await httpGet(`http://127.0.0.1:${t.relay.httpPort}/live/${STREAM}.live.flv`, 50_000, 4000);
    expect(viewer.status).toBe(200);
    expect(viewer.body.subarray(0, 3).toString()).toBe("FLV");
    expect(invites).toEqual([STREAM]);
    const [status] = await statuses();
    expect(status).toMatchObject({ state: "recording" });
    expect(status!.segmentsStored).toBeGreaterThanOrEqual(3);
  });

  it("plays the recorded range back as HLS over the stored segments (ffprobe reads every frame)", async () => {
    const first = indexed[0]!;
    const third = indexed[2]!;
    const starttime = Math.floor(first.startMs / 1000);
    const endtime = Math.ceil(third.endMs / 1000);
    const covered = indexed.filter((s) => s.startMs < endtime * 1000 && s.endMs > starttime * 1000);
    const seconds = covered.reduce((sum, s) => sum + (s.endMs - s.startMs) / 1000, 0);
    const url = `http://127.0.0.1:${t.relay.httpPort}/record/${STREAM}/hls.m3u8?starttime=${starttime}&endtime=${endtime}`;
    const playlist = await httpGet(url, 100_000, 2000);
    expect(playlist.status).toBe(200);
    expect(playlist.body.toString()).toContain("#EXT-X-ENDLIST");
    // Not spawnSync: the relay answering ffprobe runs in this process.
    const { stdout } = await execFileAsync("ffprobe", ["-v", "error", "-count_frames", "-show_entries", "stream=nb_read_frames:format=duration", "-of", "json", url]);
    const probed = JSON.parse(stdout) as { streams: Array<{ nb_read_frames: string }>; format: { duration: string } };
    expect(Number(probed.format.duration)).toBeCloseTo(seconds, 0);
    expect(Math.abs(Number(probed.streams[0]!.nb_read_frames) - seconds * 25)).toBeLessThanOrEqual(2);
    const outside = await httpGet(`http://127.0.0.1:${t.relay.httpPort}/record/${STREAM}/hls.m3u8?starttime=1000&endtime=2000`, 100_000, 2000);
    expect(outside.status).toBe(404);
    const bad = await httpGet(`http://127.0.0.1:${t.relay.httpPort}/record/${STREAM}/hls.m3u8?starttime=5&endtime=1`, 100_000, 2000);
    expect(bad.status).toBe(400);
    // A segment outside the playlist's range is not served under that range's query.
    const foreign = await httpGet(`http://127.0.0.1:${t.relay.httpPort}/record/${STREAM}/seg-${indexed.at(-1)!.startMs + 1}.ts?starttime=${starttime}&endtime=${endtime}`, 100_000, 2000);
    expect(foreign.status).toBe(404);
  });

  it("retries a dropped device with back-off, and the gap stays a gap", async () => {
    const before = indexed.length;
    stopDevice();
    await expect.poll(async () => (await statuses())[0]?.state, { timeout: 5000, interval: 100 }).toBe("retrying");
    await expect.poll(() => invites.length, { timeout: 8000, interval: 100 }).toBe(2);
    await expect.poll(() => indexed.length, { timeout: 10_000, interval: 100 }).toBeGreaterThan(before + 2);
    const lastOfFirst = indexed.slice(0, before + 1).reduce((a, b) => (b.endMs > a.endMs ? b : a));
    const after = indexed.filter((s) => s.startMs >= lastOfFirst.endMs && s !== lastOfFirst);
    // The device was silent for RTP_SILENCE_TIMEOUT (1 s) plus the retry delay at least.
    expect(after[0]!.startMs - lastOfFirst.endMs).toBeGreaterThanOrEqual(1000);
    expect((await statuses())[0]?.state).toBe("recording");
  });

  it("keeps the stream and buffers while storage fails, then resumes", async () => {
    const dayFolder = join(recordingDir, "standard", DEVICE, CHANNEL);
    const blocked = join(dayFolder, new Date().toISOString().slice(0, 10).replaceAll("-", ""));
    rmSync(blocked, { recursive: true, force: true });
    writeFileSync(blocked, "not a folder"); // every write below it fails (ENOTDIR)
    const failures = () => t.metrics.getSingleMetric("ivc_recording_failures_total")?.get();
    await expect.poll(async () => (await statuses())[0]?.reason ?? "", { timeout: 5000, interval: 100 }).toMatch(/storage write/);
    const during = indexed.length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(indexed.length).toBe(during);
    expect(t.relay.registry.get(STREAM)?.state).toBe("playing");
    expect(JSON.stringify(await failures())).toContain("storage write");
    rmSync(blocked);
    await expect.poll(() => indexed.length, { timeout: 8000, interval: 100 }).toBeGreaterThan(during + 2);
    const resumed = indexed.slice(during);
    // The buffered segments were stored in order, with no hole where storage failed.
    for (let i = 1; i < resumed.length; i++) expect(resumed[i]!.startMs).toBe(resumed[i - 1]!.endMs);
    expect(readFileSync(join(recordingDir, "standard", ...resumed[0]!.objectKey.split("/"))).length).toBe(resumed[0]!.bytes);
  });

  it("stops when the schedule no longer names the channel: the stream closes and the device gets its BYE", async () => {
    wanted = [];
    await expect.poll(() => t.relay.registry.get(STREAM), { timeout: 6000, interval: 100 }).toBeUndefined();
    expect(byes.length).toBeGreaterThanOrEqual(1);
    expect(await statuses()).toEqual([]);
  });

  it("after a crash: a half-written segment is discarded, a durable but unindexed one is indexed from the journal", async () => {
    const root = mkdtempSync(join(tmpdir(), "ivc-recorder-crash-"));
    const storage = new DiskSegmentStorage({ root });
    const journal = new IndexJournal(join(root, "journal"));
    const startMs = Date.UTC(2026, 11, 7, 8, 0, 0);
    const durable: StoredSegment = { deviceId: DEVICE, channelId: "34020000001310000009", planId: "plan-1", startMs, endMs: startMs + 4000, bytes: 188, storage: "disk", objectKey: segmentKey(DEVICE, "34020000001310000009", startMs, startMs + 4000), transitionDays: 7, expirationDays: 30 };
    // What the killed relay left: one segment durable and journaled (its index report never answered), one mid-write.
    await storage.put(durable.objectKey, Buffer.alloc(188, 0x47));
    await journal.add(durable);
    const halfKey = segmentKey(DEVICE, "34020000001310000009", startMs + 4000, startMs + 8000);
    writeFileSync(join(root, "standard", ...halfKey.split("/")) + ".part", Buffer.alloc(100));
    writeFileSync(join(root, "journal", "torn.json.part"), "{");

    expect(await storage.recover()).toBe(1);
    const sink = new SegmentSink({ bus: t.bus, clusterId: t.clusterId, storage, journal, logger: createLogger("media-relay", "silent"), metrics: createRecordingMetrics(new Registry()), maxBufferedBytes: 1 << 20, retryMs: 100, indexTimeoutMs: 2000 });
    expect(await sink.replayJournal()).toBe(1);
    await expect.poll(() => indexed.some((s) => s.objectKey === durable.objectKey), { timeout: 5000, interval: 50 }).toBe(true);
    expect(indexed.some((s) => s.objectKey === halfKey)).toBe(false);
    await expect.poll(async () => (await journal.pending()).length, { timeout: 2000, interval: 50 }).toBe(0);
    await sink.stop();
    rmSync(root, { recursive: true, force: true });
  });
});
