import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordingSegmentStored, recordingUploadProgress, recordingUploadsDesired, type Bus, type RequestOf, type StoredSegment, type UploadLimits, type UploadPiece } from "@ivc/bus";
import type { Frame } from "@ivc/media";
import { createLogger, Registry } from "@ivc/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PlayError } from "../../src/play-error.js";
import { IndexJournal } from "../../src/recording/index-journal.js";
import { createRecordingMetrics } from "../../src/recording/recording-metrics.js";
import { SegmentSink } from "../../src/recording/segment-sink.js";
import { DiskSegmentStorage } from "../../src/recording/storage/disk-storage.js";
import { Uploader, type DownloadStream } from "../../src/recording/uploader.js";
import type { ViewerRequest } from "../../src/stream-registry.js";
import { END_OF_FILE } from "../../src/stream-session.js";

// The uploader against a fake API (bus) and fake download streams fed with frames by the test;
// segments go through the real sink into real disk storage.

type Progress = RequestOf<typeof recordingUploadProgress>;

const DEVICE = "34020000001320000001";
const OTHER_DEVICE = "34020000001320000002";
const FILMED = Date.UTC(2026, 11, 6, 2, 0, 0);
const TICKS_PER_MS = 90;

/** A download stream the test drives: frames in, then an end with a reason. */
class FakeStream implements DownloadStream {
  state: "waiting" | "playing" | "ended" = "playing";
  endReason: PlayError | string | undefined;
  held = 0;
  private readonly taps = new Set<(frame: Frame) => void>();
  private picture = 0;

  constructor(readonly request: ViewerRequest) {}

  get reachedEnd(): boolean {
    return this.endReason === END_OF_FILE;
  }

  end(reason: PlayError | string): void {
    if (this.state === "ended") return;
    this.state = "ended";
    this.endReason = reason;
  }

  holdForViewer(): () => void {
    this.held++;
    return () => this.held--;
  }

  tapFrames(tap: (frame: Frame) => void): () => void {
    this.taps.add(tap);
    return () => this.taps.delete(tap);
  }

  /** `seconds` of 25 fps video (a keyframe each second) with the device's timestamps, from 1 s on its clock. */
  feed(seconds: number): void {
    for (let i = 0; i < seconds * 25; i++, this.picture++) {
      const dts = 90_000 + this.picture * 40 * TICKS_PER_MS;
      const frame: Frame = { kind: "video", codec: "H264", dts, pts: dts, keyframe: this.picture % 25 === 0, data: Buffer.from([0, 0, 0, 1, this.picture % 25 === 0 ? 0x65 : 0x41, 1, 2, 3]) };
      for (const tap of this.taps) tap(frame);
    }
  }
}

let dir: string;
let pieces: UploadPiece[];
let limits: UploadLimits;
let progress: Progress[];
let indexed: StoredSegment[];
let streams: FakeStream[];
let opens: Array<(stream: FakeStream) => void>;
let failOpen: Error | undefined;
let uploader: Uploader;
let sink: SegmentSink;

/** The API's side of the contracts, checked against their schemas as the real bus would. */
const bus = {
  async request(contract: { name: string; request: { parse(v: unknown): unknown } }, _params: unknown, payload: unknown): Promise<unknown> {
    contract.request.parse(payload);
    if (contract.name === recordingUploadsDesired.name) return recordingUploadsDesired.reply.parse({ pieces, limits });
    if (contract.name === recordingUploadProgress.name) {
      progress.push(payload as Progress);
      return { updated: true };
    }
    if (contract.name === recordingSegmentStored.name) {
      indexed.push(payload as StoredSegment);
      return { indexed: true };
    }
    throw new Error(`unexpected request ${contract.name}`);
  },
} as unknown as Bus;

function piece(overrides: Partial<UploadPiece> = {}): UploadPiece {
  return {
    pieceId: "piece-1",
    deviceId: DEVICE,
    channelId: "34020000001310000001",
    planId: "upload-plan-1",
    startMs: FILMED,
    endMs: FILMED + 60_000,
    scale: 4,
    windowEndMs: Date.now() + 3_600_000,
    transitionDays: 7,
    expirationDays: 30,
    ...overrides,
  };
}

function makeUploader(shard = { index: 0, count: 1 }, owns?: (streamId: string) => boolean): Uploader {
  const logger = createLogger("uploader-test", process.env.TEST_LOG_LEVEL ?? "silent");
  const metrics = createRecordingMetrics(new Registry());
  const storage = new DiskSegmentStorage({ root: join(dir, "segments") });
  sink = new SegmentSink({ bus, clusterId: "c1", storage, journal: new IndexJournal(join(dir, "journal")), logger, metrics, maxBufferedBytes: 1 << 24, retryMs: 50, indexTimeoutMs: 1000 });
  return new Uploader({
    bus,
    clusterId: "c1",
    registry: {
      forViewer(request) {
        if (failOpen !== undefined) return Promise.reject(failOpen);
        const stream = new FakeStream(request);
        streams.push(stream);
        for (const open of opens.splice(0)) open(stream);
        return Promise.resolve(stream);
      },
    },
    sink,
    storage,
    logger,
    metrics,
    pollMs: 60_000,
    segmentMs: 4000,
    utcOffsetMinutes: 480,
    retryFirstMs: 100,
    retryMaxMs: 400,
    transport: "tcp-passive",
    shard,
    ...(owns !== undefined ? { owns } : {}),
  });
}

async function until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    uploader.tick();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const finalOf = (pieceId: string) => progress.find((p) => p.pieceId === pieceId && p.state !== "uploading" && p.state !== "failed");

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ivc-uploader-"));
  pieces = [];
  limits = { perDevice: 4, perSite: 8 };
  progress = [];
  indexed = [];
  streams = [];
  opens = [];
  failOpen = undefined;
});

afterEach(async () => {
  uploader?.stop();
  await sink?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("Uploader", () => {
  it("downloads a piece at its scale over the configured transport and stores segments at the time they were filmed", async () => {
    pieces = [piece()];
    uploader = makeUploader();
    await uploader.poll();
    expect(streams).toHaveLength(1);
    const stream = streams[0]!;
    expect(stream.request).toMatchObject({ deviceId: DEVICE, transport: "tcp-passive", download: { startMs: FILMED, endMs: FILMED + 60_000, speed: 4 } });
    expect(stream.request.streamId).toMatch(new RegExp(`^${DEVICE}_34020000001310000001@up[0-9a-z]+$`));
    expect(stream.held).toBe(1);
    stream.feed(9);
    await until(() => progress.some((p) => p.state === "uploading"), "an uploading report");
    expect(progress[0]).toMatchObject({ state: "uploading", pieceId: "piece-1", planId: "upload-plan-1" });
    // Nine seconds fed close the 0–4 s and 4–8 s segments; the first report names the end of whichever was durable when it went out.
    expect([FILMED + 4000, FILMED + 8000]).toContain(progress[0]!.storedUntilMs);
    stream.feed(51);
    stream.end(END_OF_FILE);
    await until(() => finalOf("piece-1") !== undefined, "the final report");
    expect(finalOf("piece-1")).toMatchObject({ state: "done", storedUntilMs: FILMED + 60_000 });
    expect(stream.held).toBe(0);
    const sorted = [...indexed].sort((a, b) => a.startMs - b.startMs);
    expect(sorted[0]).toMatchObject({ startMs: FILMED, endMs: FILMED + 4000, planId: "upload-plan-1", deviceId: DEVICE, transitionDays: 7, expirationDays: 30 });
    expect(sorted.at(-1)!.endMs).toBe(FILMED + 60_000);
    // Contiguous: every segment starts where the one before ended.
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.startMs).toBe(sorted[i - 1]!.endMs);
    // Done stays done while the API still lists the piece: no second download.
    await uploader.poll();
    expect(streams).toHaveLength(1);
  });

  it("keeps to perDevice and perSite, oldest recording first, and starts the next piece when a slot frees", async () => {
    const channel = (n: number) => `3402000000131000000${n}`;
    pieces = [
      piece({ pieceId: "a3", channelId: channel(3), startMs: FILMED + 3000 }),
      piece({ pieceId: "a1", channelId: channel(1), startMs: FILMED + 1000 }),
      piece({ pieceId: "a2", channelId: channel(2), startMs: FILMED + 2000 }),
      piece({ pieceId: "b1", deviceId: OTHER_DEVICE, channelId: channel(4), startMs: FILMED + 4000 }),
    ];
    limits = { perDevice: 2, perSite: 2 };
    uploader = makeUploader();
    await uploader.poll();
    expect(streams.map((s) => s.request.download?.startMs)).toEqual([FILMED + 1000, FILMED + 2000]);
    limits = { perDevice: 2, perSite: 3 };
    await uploader.poll();
    // a3 waits for its device; b1 fits the site.
    expect(streams.map((s) => s.request.deviceId)).toEqual([DEVICE, DEVICE, OTHER_DEVICE]);
    streams[0]!.feed(2);
    streams[0]!.end(END_OF_FILE);
    await until(() => streams.length === 4, "a3 to start");
    expect(streams[3]!.request.download?.startMs).toBe(FILMED + 3000);
    // The slot frees when the stream ends; the outcome follows once its last segment is stored.
    await until(() => uploader.statuses.find((s) => s.pieceId === "a1")?.state === "done", "a1 done");
  });

  it("reports a cut download as failed with its stage and resumes after back-off from the next second after what is stored", async () => {
    pieces = [piece()];
    uploader = makeUploader();
    await uploader.poll();
    streams[0]!.feed(10.4);
    streams[0]!.end(new PlayError("no RTP", "no RTP for 5000 ms mid-stream"));
    await until(() => progress.some((p) => p.state === "failed"), "a failed report");
    const failed = progress.find((p) => p.state === "failed")!;
    // The open segment was stored too: 10.4 s of pictures end at 10.4 s.
    expect(failed).toMatchObject({ storedUntilMs: FILMED + 10_400, reason: "no RTP: no RTP for 5000 ms mid-stream" });
    await until(() => streams.length === 2, "the retry");
    expect(streams[1]!.request.download).toMatchObject({ startMs: FILMED + 11_000, endMs: FILMED + 60_000 });
    streams[1]!.feed(49);
    streams[1]!.end(END_OF_FILE);
    await until(() => finalOf("piece-1") !== undefined, "the final report");
    expect(finalOf("piece-1")).toMatchObject({ state: "done", storedUntilMs: FILMED + 60_000 });
    const resumed = indexed.filter((s) => s.startMs >= FILMED + 11_000).sort((a, b) => a.startMs - b.startMs);
    expect(resumed[0]!.startMs).toBe(FILMED + 11_000);
  });

  it("retries a device that is offline, and resumes from the API's resumeFromMs after a relay restart", async () => {
    pieces = [piece({ resumeFromMs: FILMED + 20_000 })];
    failOpen = new PlayError("device offline", "device_offline: device is not registered");
    uploader = makeUploader();
    await uploader.poll();
    await until(() => progress.some((p) => p.state === "failed"), "a failed report");
    expect(progress[0]).toMatchObject({ state: "failed", storedUntilMs: FILMED + 20_000, reason: "device offline: device_offline: device is not registered" });
    failOpen = undefined;
    await until(() => streams.length === 1, "the retry");
    expect(streams[0]!.request.download?.startMs).toBe(FILMED + 20_000);
  });

  it("reports no-recording for a 404 to the INVITE and for an end of file before any picture", async () => {
    pieces = [piece({ pieceId: "p404" }), piece({ pieceId: "empty", channelId: "34020000001310000002" })];
    uploader = makeUploader();
    await uploader.poll();
    const [refused, empty] = streams;
    refused!.end(new PlayError("device refused", "the device answered the INVITE with 404", 404));
    empty!.end(END_OF_FILE);
    await until(() => finalOf("p404") !== undefined && finalOf("empty") !== undefined, "both final reports");
    expect(finalOf("p404")).toMatchObject({ state: "no-recording" });
    expect(finalOf("empty")).toMatchObject({ state: "no-recording" });
    expect(finalOf("empty")!.storedUntilMs).toBeUndefined();
  });

  it("reports missed when the window closes: a piece still waiting, and one mid-download (whose stored part stays)", async () => {
    pieces = [piece({ pieceId: "running", windowEndMs: Date.now() + 400 }), piece({ pieceId: "waiting", startMs: FILMED + 1000, channelId: "34020000001310000002", windowEndMs: Date.now() + 400 })];
    limits = { perDevice: 1, perSite: 1 };
    uploader = makeUploader();
    await uploader.poll();
    expect(streams).toHaveLength(1);
    streams[0]!.feed(5);
    await until(() => finalOf("running") !== undefined && finalOf("waiting") !== undefined, "both missed");
    expect(streams[0]!.state).toBe("ended");
    expect(streams[0]!.endReason).toBe("upload window closed");
    expect(finalOf("running")).toMatchObject({ state: "missed", storedUntilMs: FILMED + 5000 });
    expect(finalOf("waiting")).toMatchObject({ state: "missed" });
    expect(streams).toHaveLength(1);
  });

  it("stops a download the API no longer lists", async () => {
    pieces = [piece()];
    uploader = makeUploader();
    await uploader.poll();
    pieces = [];
    await uploader.poll();
    expect(streams[0]!.state).toBe("ended");
    expect(streams[0]!.endReason).toBe("upload no longer wanted");
    expect(uploader.statuses).toEqual([]);
  });

  it("in a sharded relay pulls only the channels its shard owns, within its share of the limits", async () => {
    const channels = ["34020000001310000001", "34020000001310000002", "34020000001310000003"];
    pieces = channels.map((channelId, i) => piece({ pieceId: `s${i}`, channelId, startMs: FILMED + i * 1000 }));
    limits = { perDevice: 3, perSite: 3 };
    // Shard 1 of 2 owns channels 2 and 3; its share of 3 is 1.
    uploader = makeUploader({ index: 1, count: 2 }, (streamId) => !streamId.endsWith("0001"));
    await uploader.poll();
    expect(streams.map((s) => s.request.streamId.split("@")[0])).toEqual([`${DEVICE}_34020000001310000002`]);
    expect(uploader.statuses.map((s) => s.pieceId).sort()).toEqual(["s1", "s2"]);
  });
});
