import { readFileSync } from "node:fs";
import { join } from "node:path";
import { recordingDesired, recordingSegmentStored, recordingUploadProgress, recordingUploadsDesired, type DesiredRecording, type RequestOf, type StoredSegment, type UploadPiece } from "@ivc/bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLiveStack, type LiveStack } from "./support/live-stack.js";
import { waitFor } from "./support/wait.js";

const until = (condition: () => boolean, timeoutMs: number, what: string) => waitFor(what, async () => (condition() ? true : undefined), timeoutMs, 100);

// Recording upload end to end: the real sip-server and media-relay on NATS/Redis and a registered
// device-sim NVR that holds recordings from yesterday. This test answers the API's side of the
// contracts (which pieces are due, their progress, the segment index, live recording) on the
// stack's cluster subjects, since the API's upload plans are built elsewhere.

type Progress = RequestOf<typeof recordingUploadProgress>;

/** Yesterday, on a whole second: what the device recorded. */
const FILMED = Math.floor(Date.now() / 1000) * 1000 - 86_400_000;
const GOP_MS = 1000;
const SEGMENT_MS = 2000;

let s: LiveStack;
let channels: string[];
let pieces: UploadPiece[] = [];
let live: DesiredRecording[] = [];
const progress: Progress[] = [];
const indexed: StoredSegment[] = [];
let subs: Array<{ unsubscribe(): void }> = [];

function piece(pieceId: string, channelId: string, startMs: number, endMs: number, overrides: Partial<UploadPiece> = {}): UploadPiece {
  return { pieceId, deviceId: s.device.deviceId, channelId, planId: "upload-plan", startMs, endMs, scale: 4, windowEndMs: Date.now() + 120_000, transitionDays: 7, expirationDays: 30, ...overrides };
}

const finalOf = (pieceId: string) => progress.find((p) => p.pieceId === pieceId && (p.state === "done" || p.state === "no-recording" || p.state === "missed"));
const segmentsOf = (channelId: string, planId: string) => indexed.filter((x) => x.channelId === channelId && x.planId === planId).sort((a, b) => a.startMs - b.startMs);

beforeAll(async () => {
  const seconds = Math.floor(FILMED / 1000);
  s = await startLiveStack({
    name: "recording-upload",
    noViewerSeconds: 2,
    // Every channel recorded 20 s yesterday.
    device: { kind: "nvr", channels: 3, recordings: [{ start: seconds, end: seconds + 20 }] },
    relayEnv: { RECORDING_SEGMENT_SECONDS: String(SEGMENT_MS / 1000), RTP_SILENCE_TIMEOUT: "3" },
    relayTuning: { uploadPollMs: 300, uploadRetryFirstMs: 300, uploadRetryMaxMs: 600, recordingPollMs: 300, recordingRetryFirstMs: 300 },
  });
  channels = s.device.channels.map((c) => c.id);
  const scope = { clusterId: s.clusterId };
  subs = [
    s.bus.reply(recordingUploadsDesired, scope, () => ({ pieces, limits: { perDevice: 4, perSite: 8 } })),
    s.bus.reply(recordingUploadProgress, scope, (report) => {
      progress.push(report);
      return { updated: true };
    }),
    s.bus.reply(recordingSegmentStored, scope, (segment) => {
      if (!indexed.some((x) => x.objectKey === segment.objectKey)) indexed.push(segment);
      return { indexed: true };
    }),
    s.bus.reply(recordingDesired, scope, () => ({ recordings: live })),
  ];
}, 60_000);

afterAll(async () => {
  for (const sub of subs) sub.unsubscribe();
  await s?.close();
});

describe("recording upload from a device (GB28181 download)", () => {
  it("lands a piece of device recording as segments at the time it was filmed (± one GOP), 4× faster than real time", async () => {
    const startedAt = Date.now();
    pieces = [piece("whole", channels[0]!, FILMED, FILMED + 20_000)];
    await until(() => finalOf("whole") !== undefined, 20_000, "the piece to finish");
    const wallMs = Date.now() - startedAt;
    expect(finalOf("whole")).toMatchObject({ state: "done", planId: "upload-plan", deviceId: s.device.deviceId, channelId: channels[0] });
    expect(Math.abs(finalOf("whole")!.storedUntilMs! - (FILMED + 20_000))).toBeLessThanOrEqual(GOP_MS);
    expect(progress.some((p) => p.pieceId === "whole" && p.state === "uploading")).toBe(true);
    // 20 s at 4× is 5 s of transfer; the poll, INVITE and storage add little.
    expect(wallMs).toBeLessThan(15_000);
    const segments = segmentsOf(channels[0]!, "upload-plan");
    expect(Math.abs(segments[0]!.startMs - FILMED)).toBeLessThanOrEqual(GOP_MS);
    expect(Math.abs(segments.at(-1)!.endMs - (FILMED + 20_000))).toBeLessThanOrEqual(GOP_MS);
    for (let i = 1; i < segments.length; i++) expect(segments[i]!.startMs).toBe(segments[i - 1]!.endMs);
    const total = segments.reduce((sum, x) => sum + x.endMs - x.startMs, 0);
    expect(Math.abs(total - 20_000)).toBeLessThanOrEqual(GOP_MS);
    // The bytes are MPEG-TS in the relay's recording storage.
    const first = readFileSync(join(s.varDir, "recordings", "standard", segments[0]!.objectKey));
    expect(first[0]).toBe(0x47);
    expect(first.length).toBeGreaterThan(10_000);
  }, 30_000);

  it("finishes a download the device ends early (MediaStatus 121 at the end of its recording) with what it has", async () => {
    // Asked for 12 s → 40 s; the recording ends at 20 s.
    pieces = [piece("early", channels[1]!, FILMED + 12_000, FILMED + 40_000)];
    await until(() => finalOf("early") !== undefined, 20_000, "the piece to finish");
    const done = finalOf("early")!;
    expect(done.state).toBe("done");
    expect(Math.abs(done.storedUntilMs! - (FILMED + 20_000))).toBeLessThanOrEqual(GOP_MS);
    const segments = segmentsOf(channels[1]!, "upload-plan");
    expect(Math.abs(segments[0]!.startMs - (FILMED + 12_000))).toBeLessThanOrEqual(GOP_MS);
    expect(Math.abs(segments.at(-1)!.endMs - (FILMED + 20_000))).toBeLessThanOrEqual(GOP_MS);
    // Nothing was retried: one download only.
    expect(progress.filter((p) => p.pieceId === "early" && p.state === "failed")).toEqual([]);
  }, 30_000);

  it("retries a download that never starts (device not registered) and reports it missed when the window closes", async () => {
    pieces = [piece("absent", "34020000001310000099", FILMED, FILMED + 10_000, { deviceId: "34020000001320000099", windowEndMs: Date.now() + 2500 })];
    await until(() => finalOf("absent") !== undefined, 15_000, "the piece to be missed");
    const failures = progress.filter((p) => p.pieceId === "absent" && p.state === "failed");
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(failures[0]!.reason).toMatch(/^device offline: /);
    expect(finalOf("absent")).toMatchObject({ state: "missed" });
    expect(finalOf("absent")!.reason).toMatch(/device offline/);
  }, 30_000);

  it("reports no-recording for a range the device has nothing in (404 to the download INVITE)", async () => {
    pieces = [piece("nothing", channels[0]!, FILMED + 3_600_000, FILMED + 3_610_000)];
    await until(() => finalOf("nothing") !== undefined, 15_000, "the piece to finish");
    expect(finalOf("nothing")).toMatchObject({ state: "no-recording" });
  }, 30_000);

  it("uploads yesterday's recording and records the same channel live at once, each on its own place of the timeline", async () => {
    const channel = channels[2]!;
    const liveStartedAt = Date.now();
    live = [{ deviceId: s.device.deviceId, channelId: channel, streamId: `${s.device.deviceId}_${channel}`, planId: "live-plan", transitionDays: 7, expirationDays: 30 }];
    await until(() => segmentsOf(channel, "live-plan").length > 0, 15_000, "a live segment");
    pieces = [piece("beside-live", channel, FILMED, FILMED + 12_000)];
    await until(() => finalOf("beside-live") !== undefined, 20_000, "the upload to finish");
    const liveSegmentsDuringUpload = segmentsOf(channel, "live-plan").length;
    await until(() => segmentsOf(channel, "live-plan").length > liveSegmentsDuringUpload, 10_000, "live recording to go on");
    live = [];
    expect(finalOf("beside-live")).toMatchObject({ state: "done" });
    const uploaded = segmentsOf(channel, "upload-plan");
    expect(Math.abs(uploaded[0]!.startMs - FILMED)).toBeLessThanOrEqual(GOP_MS);
    expect(Math.abs(uploaded.at(-1)!.endMs - (FILMED + 12_000))).toBeLessThanOrEqual(GOP_MS);
    for (const x of segmentsOf(channel, "live-plan")) expect(x.startMs).toBeGreaterThanOrEqual(liveStartedAt - GOP_MS);
    // The two streams were separate dialogs: the live one is still the channel's live stream.
    expect(new Set(indexed.filter((x) => x.channelId === channel).map((x) => x.objectKey)).size).toBe(indexed.filter((x) => x.channelId === channel).length);
  }, 60_000);
});
