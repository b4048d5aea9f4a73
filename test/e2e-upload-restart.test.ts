import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DescribedDevice, RunningGateway } from "./support/gateway.js";
import { middayZone } from "./support/midday-zone.js";
import { isProcessAlive } from "./support/ports.js";
import { startRecordingGateway, type RecordingGateway, type SegmentRow } from "./support/recording-gateway.js";
import { waitFor } from "./support/wait.js";

// A recording upload cut by kill -9 of the relay, on the whole stack `npm start` runs (one relay
// process, MEDIA_WORKERS=1): a GB NVR whose virtual device holds yesterday's recording, an upload
// template whose window covers now (in RECORD_TIME_ZONE, where it is midday) pulling ten minutes of
// yesterday at 4× (the shortest section), of which the device recorded the first minute, and a plan
// with the channel. The relay is killed while the piece is half stored;
// the launcher restarts it. What was stored stays (index rows and bytes), the relay resumes from
// where the API says the piece got to, and the plan's channel list reports the piece done.

const DAY_MS = 86_400_000;
/** Device-sim pictures have a keyframe each second: segment edges may move by that much. */
const GOP_MS = 1000;

let stack: RecordingGateway;
let gw: RunningGateway;
let recordingDir: string;
let device: DescribedDevice;
let channel: { ChannelId: string; ChannelCode: string };
const zone = middayZone(new Date());
/** Yesterday 11:00:00–11:10:00 local: the piece the plan pulls (DevTimeSections of today's DayOfWeek). */
const localDayStartMs = Math.floor((Date.now() + zone.minutes * 60_000) / DAY_MS) * DAY_MS - zone.minutes * 60_000;
const PIECE_START = localDayStartMs - DAY_MS + 11 * 3_600_000;
const PIECE_END = PIECE_START + 600_000;
/** The device recorded the piece's first minute: it ends the download there (MediaStatus 121). */
const RECORDED_END = PIECE_START + 60_000;

interface ChannelPieces {
  ChannelId: string;
  Pieces: Array<{ StartTime: number; EndTime: number; State: string; StoredUntil: number; Reason: string }>;
}

const segmentRows = () => stack.segmentRows(channel.ChannelCode);
const bytesOnDisk = (row: SegmentRow) => readFileSync(join(recordingDir, "standard", ...row.object_key.split("/"))).length;
const relayLog = () => gw.logs().split("\n").filter((l) => l.includes("media-relay")).slice(-20).join("\n");

beforeAll(async () => {
  stack = await startRecordingGateway({
    env: { RECORD_TIME_ZONE: zone.offset, MEDIA_WORKERS: "1", NO_VIEWER_CLOSE: "3" },
    deviceName: "上云NVR",
    channels: 1,
    recordings: [{ start: PIECE_START / 1000, end: RECORDED_END / 1000 }],
  });
  ({ gw, device, recordingDir } = stack);
  channel = stack.channels[0]!;
}, 180_000);

afterAll(async () => {
  await stack?.close();
}, 60_000);

describe("recording upload across a relay restart", () => {
  it("kill -9 of the relay mid-piece: the stored segments stay, the rest is pulled after the restart, and the plan's channel list reports the piece done", async () => {
    const template = await gw.call<{ TemplateId: string }>("POST", "/ivc/recordbackup/template/add", {
      TemplateName: "午间上云",
      TimeSections: [{ DayOfWeek: zone.dayOfWeek, StartTime: "10:00:00", EndTime: "14:00:00" }],
      DevTimeSections: [{ DayOfWeek: zone.dayOfWeek, StartTime: "11:00:00", EndTime: "11:10:00" }],
      Scale: 4,
    });
    expect(template.StatusCode, JSON.stringify(template)).toBe(200);
    const plan = await gw.call<{ PlanId: string }>("POST", "/ivc/recordbackup/plan/add", {
      PlanName: "上云计划",
      TemplateId: template.Data.TemplateId,
      LifeCycle: { Transition: 7, Expiration: 60 },
      Channels: [{ DeviceId: device.Id, ChannelId: channel.ChannelId }],
    });
    expect(plan.StatusCode, JSON.stringify(plan)).toBe(200);
    const pieceOf = async () => {
      const page = await gw.call<{ List: ChannelPieces[] }>("GET", `/ivc/recordbackup/devicelist/query?PlanId=${plan.Data.PlanId}&PageSize=10&PageNumber=1`);
      expect(page.StatusCode, JSON.stringify(page)).toBe(200);
      return page.Data.List.find((c) => c.ChannelId === channel.ChannelId)?.Pieces[0];
    };

    // Killed once a few segments (of the 15 the recorded minute makes) are stored: the piece is half done.
    const stored = await waitFor(() => `3 uploaded segments; relay log:\n${relayLog()}`, async () => {
      const rows = await segmentRows();
      return rows.length >= 3 ? rows : undefined;
    }, 60_000, 100);
    const relay = gw.launcherState().services.find((s) => s.name === "media-relay")!;
    process.kill(relay.pid, "SIGKILL");
    const before = await segmentRows();
    expect(before.length).toBeGreaterThanOrEqual(stored.length);
    expect(before.at(-1)!.end_ms).toBeLessThan(RECORDED_END - GOP_MS);
    expect(Math.abs(before[0]!.start_ms - PIECE_START)).toBeLessThanOrEqual(GOP_MS);
    expect(await pieceOf()).toMatchObject({ State: "uploading", StartTime: PIECE_START / 1000, EndTime: PIECE_END / 1000 });

    await expect.poll(() => gw.launcherState().services.find((s) => s.name === "media-relay")!.pid, { timeout: 60_000, interval: 250 }).not.toBe(relay.pid);
    expect(isProcessAlive(relay.pid)).toBe(false);
    const done = await waitFor(() => `the piece done after the restart; relay log:\n${relayLog()}`, async () => {
      const piece = await pieceOf();
      return piece?.State === "done" ? piece : undefined;
    }, 90_000, 500);
    expect(done.Reason).toBe("");
    expect(Math.abs(done.StoredUntil * 1000 - RECORDED_END)).toBeLessThanOrEqual(GOP_MS);

    // What was stored before the kill is still indexed, with its bytes.
    const after = await segmentRows();
    for (const row of before) {
      expect(after).toContainEqual(row);
      expect(bytesOnDisk(row), row.object_key).toBe(row.bytes);
    }
    // The rest came after the restart, from where the piece had got to: the recorded minute is covered without holes or overlaps.
    expect(after.length).toBeGreaterThan(before.length);
    for (const row of after) expect(bytesOnDisk(row), row.object_key).toBe(row.bytes);
    for (let i = 1; i < after.length; i++) expect(Math.abs(after[i]!.start_ms - after[i - 1]!.end_ms), JSON.stringify(after.map((r) => [r.start_ms, r.end_ms]))).toBeLessThanOrEqual(GOP_MS);
    expect(Math.abs(after.at(-1)!.end_ms - RECORDED_END)).toBeLessThanOrEqual(GOP_MS);
  }, 240_000);
});
