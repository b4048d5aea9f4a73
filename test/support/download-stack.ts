import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bus, connectNats } from "@ivc/bus";
import { isH264Keyframe, joinAnnexB, splitAccessUnits, TsSegmenter } from "@ivc/media";
import { createLogger } from "@ivc/runtime";
import { createDeviceEventHandlers } from "../../services/api/src/bus/device-events.js";
import { serveRecordingBus } from "../../services/api/src/recordings/recording-bus.js";
import { indexSegment } from "../../services/api/src/recordings/segment-index.js";
import { ensureServiceNode } from "../../services/api/src/store/service-nodes.js";
import { addGbChannel, type GbChannel } from "../../services/api/test/support/gb-channels.js";
import { createHarness, testNode, type Harness } from "../../services/api/test/support/harness.js";
import { createTestDatabase, type TestDatabase } from "../../services/api/test/support/pg.js";
import { DiskSegmentStorage } from "../../services/media-relay/src/recording/storage/disk-storage.js";
import { segmentKey } from "../../services/media-relay/src/recording/storage/segment-storage.js";
import { testH264 } from "../../services/media-relay/test/support/device.js";
import { startTestRelay, type TestRelay } from "../../services/media-relay/test/support/relay.js";
import { startPrivateNats, type PrivateNats } from "./private-nats.js";

/**
 * A cloud-recording download host as a client meets it: the API (harness, real PostgreSQL) hands
 * out VideoDownloadUrl links, the relay serves them from real MPEG-TS segments on disk written by
 * the recorder's TsSegmenter, and the two verify URLs over a private nats-server.
 * test/recording-download.test.ts checks its answers; bench/recording/download.mjs times them.
 */
export interface DownloadStack {
  h: Harness;
  testDb: TestDatabase;
  relay: TestRelay;
  cam: GbChannel;
  /** Epoch seconds of the first stored segment's start, on a segment boundary. */
  base: number;
  /** Where the stack keeps its files; a caller may write its own beside them. */
  work: string;
  /** Added to the API's clock when it verifies URLs (to make them expire). */
  apiSkewMs: number;
  /** A signed download URL of [begin, end] (epoch seconds); throws with the API's envelope when refused. */
  downloadUrl(begin: number, end: number, fileType: string): Promise<string>;
  close(): Promise<void>;
}

/** A start `seconds` before an hour ago, on a segment boundary: the API refuses ranges in the future. */
export function recentBase(seconds: number, segmentSeconds: number): number {
  return Math.floor((Date.now() / 1000 - 3600) / segmentSeconds) * segmentSeconds - seconds;
}

export interface DownloadStackOptions {
  /** Epoch seconds where the stored recording starts (recentBase). */
  base: number;
  /** Seconds of recording stored, from `base`. */
  seconds: number;
  segmentSeconds: number;
  /** RECORDING_DOWNLOAD_CONCURRENCY of the relay. */
  concurrency: number;
}

/** The test picture (25 fps, a keyframe a second) cut by the recorder's segmenter, put to disk storage and indexed. */
async function storeSegments(testDb: TestDatabase, cam: GbChannel, base: number, recordingDir: string, cluster: string, options: DownloadStackOptions): Promise<void> {
  const pictures = splitAccessUnits("H264", testH264()).map((nals) => ({ data: joinAnnexB(nals), keyframe: isH264Keyframe(nals) }));
  const segmenter = new TsSegmenter({ targetDurationMs: options.segmentSeconds * 1000 });
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
  for (let i = 0; i < options.seconds * 25; i++) {
    const p = pictures[i % pictures.length]!;
    const dts = 90000 + i * 3600;
    const closed = segmenter.push({ kind: "video", codec: "H264", pts: dts, dts, data: p.data, keyframe: p.keyframe });
    if (closed) await store(closed);
  }
  const last = segmenter.flush();
  if (last) await store(last);
}

export async function startDownloadStack(options: DownloadStackOptions): Promise<DownloadStack> {
  const logger = createLogger("download-stack", "silent");
  const work = mkdtempSync(join(tmpdir(), "ivc-download-"));
  const recordingDir = join(work, "recordings");
  const cluster = randomUUID();
  // What is started so far, stopped in reverse by close() (also when the start itself fails).
  const stops: Array<() => unknown> = [() => rmSync(work, { recursive: true, force: true })];
  const close = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    const nats: PrivateNats = await startPrivateNats(logger);
    stops.push(() => nats.stop());
    const nc = await connectNats({ url: nats.url, name: "download-stack-api", logger });
    stops.push(() => nc.drain());
    const testDb = await createTestDatabase();
    stops.push(() => testDb.drop());
    const h = await createHarness(testDb.database);
    stops.push(() => h.app.close());
    // Read when the API verifies a URL, so a test can move the API's clock past a URL's expiry.
    let apiSkewMs = 0;
    const subs = serveRecordingBus(new Bus(nc, logger), { db: testDb.database.db, box: h.box, listDesiredRecordings: () => Promise.resolve([]), now: () => new Date(Date.now() + apiSkewMs) });
    stops.push(() => subs.forEach((s) => s.unsubscribe()));
    const relay = await startTestRelay({ RECORDING_DIR: recordingDir, RECORDING_DOWNLOAD_CONCURRENCY: String(options.concurrency) }, { recordingPollMs: 60_000 }, 1, { natsUrl: nats.url, clusterId: cluster });
    stops.push(() => relay.stop());
    await ensureServiceNode(testDb.database.db, { ...testNode, id: cluster, name: "download-node", mediaHost: "127.0.0.1", mediaHttpPort: relay.relay.httpPort });
    const cam = await addGbChannel(h, createDeviceEventHandlers(testDb.database.db), { clusterId: cluster });
    await storeSegments(testDb, cam, options.base, recordingDir, cluster, options);
    return {
      h,
      testDb,
      relay,
      cam,
      base: options.base,
      work,
      get apiSkewMs() {
        return apiSkewMs;
      },
      set apiSkewMs(ms: number) {
        apiSkewMs = ms;
      },
      async downloadUrl(begin, end, fileType) {
        const { env } = await h.call<{ Url: string }>(h.alice, "POST", "/ivc/vds/VideoDownloadUrl", { ChannelId: cam.channelId, BeginTime: String(begin), EndTime: String(end), FileType: fileType });
        if (env.StatusCode !== 200) throw new Error(`VideoDownloadUrl refused: ${JSON.stringify(env)}`);
        return env.Data.Url;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
