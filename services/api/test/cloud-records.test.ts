import { verifyStreamSignature } from "@ivc/media";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeviceEventHandlers, type DeviceEventHandlers } from "../src/bus/device-events.js";
import { recordingSegments } from "../src/db/schema.js";
import { grantDownload } from "../src/recordings/download-grant.js";
import { DOWNLOAD_URL_PURPOSE, type DownloadUrlParams } from "../src/recordings/download-url.js";
import { indexSegment } from "../src/recordings/segment-index.js";
import { addGbChannel, type GbChannel } from "./support/gb-channels.js";
import { createHarness, testNode, type Harness } from "./support/harness.js";
import { createTestDatabase, type TestDatabase } from "./support/pg.js";

// GET /ivc/record/filelist/query over the segment index (migration 0007), through the signed API.

let testDb: TestDatabase;
let h: Harness;
let events: DeviceEventHandlers;
let cam: GbChannel;
let bobCam: GbChannel;
/** An hour boundary two hours ago, epoch seconds. */
const base = Math.floor(Date.now() / 1000 / 3600) * 3600 - 2 * 3600;

async function stored(channel: GbChannel, startS: number, endS: number): Promise<string> {
  const objectKey = `${channel.deviceCode}/${channel.channelCode}/${startS}-${endS}.ts`;
  await indexSegment(testDb.database.db, testNode.id, {
    deviceId: channel.deviceCode,
    channelId: channel.channelCode,
    planId: "p",
    startMs: startS * 1000,
    endMs: endS * 1000,
    bytes: 1000,
    storage: "disk",
    objectKey,
    transitionDays: 1,
    expirationDays: 1,
  });
  return objectKey;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database);
  events = createDeviceEventHandlers(testDb.database.db);
  cam = await addGbChannel(h, events);
  bobCam = await addGbChannel(h, events, { key: h.bob });
  // Two runs of 4-second segments with a 60 s gap (a device drop), then one cold segment.
  for (let t = base; t < base + 40; t += 4) await stored(cam, t, t + 4);
  for (let t = base + 100; t < base + 120; t += 4) await stored(cam, t, t + 4);
  const cold = await stored(cam, base - 600, base - 596);
  await testDb.database.db.update(recordingSegments).set({ storageClass: "cold" }).where(eq(recordingSegments.objectKey, cold));
  await stored(bobCam, base, base + 4);
});
afterAll(async () => {
  await h?.app.close();
  await testDb?.drop();
});

const queryString = (q: Record<string, string | number>) => new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)])).toString();
type Timeline = { Tips: number; List: Array<{ Begin: number; End: number }> };
const query = (q: Record<string, string | number>, key = h.alice) =>
  h.call<Timeline>(key, "GET", `/ivc/record/filelist/query?${queryString(q)}`);

describe("GET /ivc/record/filelist/query", () => {
  it("answers the recorded spans, merged across segments, clipped to the range, the gap kept", async () => {
    const { env } = await query({ DeviceId: cam.deviceId, ChannelId: cam.channelId, StartTime: base - 10, EndTime: base + 110 });
    expect(env.Code).toBe(0);
    expect(env.Data).toEqual({ Tips: 0, List: [{ Begin: base, End: base + 40 }, { Begin: base + 100, End: base + 110 }] });
  });

  it("says archived (cold) recordings exist in the range with Tips 1; they are not on the timeline", async () => {
    const { env } = await query({ DeviceId: cam.deviceId, ChannelId: cam.channelId, StartTime: base - 3600, EndTime: base + 20 });
    expect(env.Data).toEqual({ Tips: 1, List: [{ Begin: base, End: base + 20 }] });
  });

  it("answers an empty List when nothing was recorded", async () => {
    const { env } = await query({ DeviceId: cam.deviceId, ChannelId: cam.channelId, StartTime: base + 200, EndTime: base + 300 });
    expect(env.Data).toEqual({ Tips: 0, List: [] });
  });

  it("refuses bad ranges with their codes", async () => {
    const ids = { DeviceId: cam.deviceId, ChannelId: cam.channelId };
    expect((await query({ ...ids, StartTime: base + 10, EndTime: base })).env.StatusCode).toBe(41611);
    expect((await query({ ...ids, StartTime: base + 86_400 * 2, EndTime: base + 86_400 * 2 + 10 })).env.StatusCode).toBe(41612);
    expect((await query({ ...ids, StartTime: base - 86_401, EndTime: base })).env.StatusCode).toBe(40005);
    expect((await query({ ...ids, StartTime: "yesterday", EndTime: base })).env.StatusCode).toBe(40005);
    expect((await query({ DeviceId: "x", ChannelId: cam.channelId, StartTime: base, EndTime: base + 1 })).env.StatusCode).toBe(41638);
  });

  it("keeps accounts apart: another account's channel, or a channel under the wrong device, is not found", async () => {
    expect((await query({ DeviceId: bobCam.deviceId, ChannelId: bobCam.channelId, StartTime: base - 10, EndTime: base + 10 })).env.StatusCode).toBe(42207);
    const own = await query({ DeviceId: bobCam.deviceId, ChannelId: bobCam.channelId, StartTime: base - 10, EndTime: base + 10 }, h.bob);
    expect(own.env.Data).toEqual({ Tips: 0, List: [{ Begin: base, End: base + 4 }] });
    expect((await query({ DeviceId: bobCam.deviceId, ChannelId: cam.channelId, StartTime: base, EndTime: base + 10 })).env.StatusCode).toBe(42207);
  });
});

const playback = (q: Record<string, string | number>, key = h.alice) =>
  h.call<{ Hls: string }>(key, "GET", `/ivc/record/playback/url?${queryString(q)}`);

describe("GET /ivc/record/playback/url", () => {
  it("hands out the relay's HLS URL of the range, signed like live URLs when pull signing is on", async () => {
    const open = await playback({ ChannelId: cam.channelId, StartTime: base, EndTime: base + 30 });
    expect(open.env.StatusCode).toBe(200);
    const url = new URL(open.env.Data.Hls);
    expect(url.pathname).toBe(`/record/${cam.deviceCode}_${cam.channelCode}/hls.m3u8`);
    expect(url.searchParams.get("starttime")).toBe(String(base));
    expect(url.searchParams.get("endtime")).toBe(String(base + 30));
    expect(url.searchParams.get("sign")).toBeNull();
    expect((await h.setStreamAuth(h.alice, { PullState: 1, PullSecret: "pull42", PullExpired: 10 })).StatusCode).toBe(200);
    const signed = new URL((await playback({ ChannelId: cam.channelId, StartTime: base, EndTime: base + 30 })).env.Data.Hls);
    const check = verifyStreamSignature(`/live/${cam.deviceCode}_${cam.channelCode}`, signed.searchParams, "pull42", Math.floor(Date.now() / 1000));
    expect(check).toMatchObject({ ok: true });
    await h.setStreamAuth(h.alice, {});
  });

  it("refuses ranges with nothing playable, bad ranges and other accounts' channels", async () => {
    expect((await playback({ ChannelId: cam.channelId, StartTime: base + 200, EndTime: base + 300 })).env.StatusCode).toBe(41627);
    expect((await playback({ ChannelId: cam.channelId, StartTime: base - 600, EndTime: base - 590 })).env.StatusCode).toBe(42506);
    expect((await playback({ ChannelId: cam.channelId, StartTime: base + 10, EndTime: base })).env.StatusCode).toBe(41611);
    expect((await playback({ ChannelId: cam.channelId, StartTime: base, EndTime: base })).env.StatusCode).toBe(41611);
    expect((await playback({ ChannelId: cam.channelId, StartTime: base - 86_401, EndTime: base })).env.StatusCode).toBe(40005);
    expect((await playback({ ChannelId: bobCam.channelId, StartTime: base, EndTime: base + 4 })).env.StatusCode).toBe(42207);
    expect((await playback({ ChannelId: bobCam.channelId, StartTime: base, EndTime: base + 4 }, h.bob)).env.StatusCode).toBe(200);
  });
});

type DownloadBody = { ChannelId?: unknown; BeginTime?: unknown; EndTime?: unknown; FileType?: unknown };
const download = (body: DownloadBody, key = h.alice) => h.call<{ Url: string }>(key, "POST", "/ivc/vds/VideoDownloadUrl", body);
const urlParams = (url: string): DownloadUrlParams => {
  const q = new URL(url).searchParams;
  return { source: q.get("source")!, res: q.get("res")!, expires: q.get("expires")!, signTime: q.get("signTime")!, sign: q.get("sign")! };
};

describe("POST /ivc/vds/VideoDownloadUrl", () => {
  const ok = () => ({ ChannelId: cam.channelId, BeginTime: String(base), EndTime: String(base + 30), FileType: "mp4" });

  it("hands out the relay's download URL in the spec's shape, valid 10 minutes, whatever pull signing says", async () => {
    const { res, env } = await download(ok());
    expect(res.statusCode).toBe(200);
    expect(env.StatusCode).toBe(200);
    const url = new URL(env.Data.Url);
    expect(`${url.origin}${url.pathname}`).toBe(`http://${testNode.mediaHost}:${testNode.mediaHttpPort}/video.mp4`);
    expect([...url.searchParams.keys()]).toEqual(["source", "res", "expires", "signTime", "sign"]);
    expect(url.searchParams.get("source")).toBe(`${cam.channelId};${base};${base + 30};mp4`);
    expect(url.searchParams.get("expires")).toBe("600");
    expect(Math.abs(Number(url.searchParams.get("signTime")) - Date.now() / 1000)).toBeLessThan(5);
    expect(env.Data.Url).toContain(`source=${cam.channelId}%3B${base}%3B`);
    const ts = new URL((await download({ ...ok(), FileType: "ts" })).env.Data.Url);
    expect(ts.pathname).toBe("/video.ts");
  });

  it("refuses bad fields and ranges with their codes", async () => {
    const codes = async (body: DownloadBody) => (await download(body)).env.StatusCode;
    expect(await codes({ ...ok(), ChannelId: undefined })).toBe(41639);
    expect(await codes({ ...ok(), ChannelId: "x" })).toBe(41639);
    expect(await codes({ ...ok(), BeginTime: undefined })).toBe(40001);
    expect(await codes({ ...ok(), BeginTime: base })).toBe(40005); // a number: the spec's times are strings
    expect(await codes({ ...ok(), EndTime: "soon" })).toBe(40005);
    expect(await codes({ ...ok(), FileType: "avi" })).toBe(40005);
    expect(await codes({ ...ok(), FileType: undefined })).toBe(40001);
    expect(await codes({ ...ok(), BeginTime: String(base + 10), EndTime: String(base) })).toBe(41611);
    expect(await codes({ ...ok(), EndTime: String(base) })).toBe(41611);
    expect(await codes({ ...ok(), BeginTime: String(base + 86_400 * 2), EndTime: String(base + 86_400 * 2 + 10) })).toBe(41612);
    expect(await codes({ ...ok(), EndTime: String(base + 1800) })).toBe(200);
    expect(await codes({ ...ok(), EndTime: String(base + 1801) })).toBe(40005);
  });

  it("answers 42501 when nothing was recorded and 42506 when the range's recordings are archived, with the table's HTTP status", async () => {
    const none = await download({ ...ok(), BeginTime: String(base + 200), EndTime: String(base + 300) });
    expect([none.res.statusCode, none.env.StatusCode]).toEqual([400, 42501]);
    const cold = await download({ ...ok(), BeginTime: String(base - 600), EndTime: String(base - 590) });
    expect([cold.res.statusCode, cold.env.StatusCode]).toEqual([400, 42506]);
    // A range partly archived is refused whole.
    expect((await download({ ...ok(), BeginTime: String(base - 600), EndTime: String(base + 10) })).env.StatusCode).toBe(42506);
  });

  it("keeps accounts apart: another account's channel is not found (42207)", async () => {
    expect((await download({ ...ok(), ChannelId: bobCam.channelId })).env.StatusCode).toBe(42207);
    expect((await download({ ...ok(), ChannelId: bobCam.channelId, EndTime: String(base + 4) }, h.bob)).env.StatusCode).toBe(200);
  });
});

describe("api.recording.download (the relay asks the API to verify a download URL)", () => {
  const mac = (text: string) => h.box.mac(DOWNLOAD_URL_PURPOSE, text);
  const now = () => Math.floor(Date.now() / 1000);
  const issued = async () => urlParams((await download({ ChannelId: cam.channelId, BeginTime: String(base), EndTime: String(base + 30), FileType: "ts" })).env.Data.Url);

  it("grants the standard segments of a genuine URL to the channel's own node", async () => {
    const grant = await grantDownload(testDb.database.db, mac, testNode.id, await issued(), now());
    expect(grant).toMatchObject({ ok: true, channelUuid: cam.channelId, beginTime: base, endTime: base + 30, fileType: "ts", deviceId: cam.deviceCode, channelId: cam.channelCode });
    expect(grant.ok && grant.segments.map((s) => s.startMs / 1000)).toEqual([0, 4, 8, 12, 16, 20, 24, 28].map((d) => base + d));
  });

  it("refuses a tampered URL (42503), another node's relay (42503), an expired URL (42504)", async () => {
    const params = await issued();
    const widened = { ...params, source: params.source.replace(`;${base + 30};`, `;${base + 1800};`) };
    expect(await grantDownload(testDb.database.db, mac, testNode.id, widened, now())).toMatchObject({ ok: false, error: "invalidUrl" });
    expect(await grantDownload(testDb.database.db, mac, "5169d92e-60ad-4c16-ac7e-d313abdd0790", params, now())).toMatchObject({ ok: false, error: "invalidUrl" });
    expect(await grantDownload(testDb.database.db, mac, testNode.id, params, now() + 601)).toMatchObject({ ok: false, error: "expired" });
  });
});
