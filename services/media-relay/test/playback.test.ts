import { BusError, mediaClose, mediaPause, mediaTimeline, sipBye, sipInvite } from "@ivc/bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ssrcToNumber } from "../src/ssrc.js";
import { streamPs, testH264, udpSender, type TestDevice } from "./support/device.js";
import { portRange, startTestRelay, type TestRelay } from "./support/relay.js";
import { ffmpegDecode, ffprobe, flvTags, httpGet, wsGet, type FlvTagSummary } from "./support/viewers.js";

// Issue 6, the relay's part of device-local playback: `<channelId>@<session>` streams asked of
// signaling with kind "playback", continuous FLV timestamps across seek and pause, the end by the
// device's timestamps, and the end signaling reports (MediaStatus 121, BYE).

let t: TestRelay;
const devices = new Map<string, TestDevice>();
const invites: Array<{ streamId: string; kind: string; start?: number; end?: number; ssrc: string; mediaPort: number }> = [];
const byes: Array<{ callId: string; reason?: string }> = [];
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  testH264();
  t = await startTestRelay({ RTP_PORTS: portRange(43000), PLAY_TIMEOUT: "4", RTP_SILENCE_TIMEOUT: "1", NO_VIEWER_CLOSE: "1" });
  const scope = { clusterId: t.clusterId };
  const subs = [
    t.bus.reply(sipInvite, scope, (req) => {
      invites.push(req);
      const udp = udpSender("127.0.0.1", req.mediaPort);
      const device = streamPs(ssrcToNumber(req.ssrc), udp.send, { audio: true });
      devices.set(req.streamId, device);
      cleanups.push(() => device.stop(), () => udp.close());
      return { callId: `call-${req.streamId}` };
    }),
    t.bus.reply(sipBye, scope, (req) => {
      byes.push(req);
      return { sent: true };
    }),
  ];
  cleanups.push(() => subs.forEach((s) => s.unsubscribe()));
});
afterAll(async () => {
  for (const c of cleanups) c();
  await t?.stop();
});

const START = 1_700_000_000;
let nextChannel = 1;
const channel = () => `3402000000131000${String(nextChannel++).padStart(4, "0")}`;
const flvUrl = (streamId: string, startS = START, endS = START + 3600) => `http://127.0.0.1:${t.relay.httpPort}/live/${streamId}.live.flv?start=${startS}&end=${endS}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const scope = () => ({ clusterId: t.clusterId });

/** Media tags (no sequence headers) of one kind, in order. */
function media(tags: FlvTagSummary[], type: 8 | 9): number[] {
  return tags.filter((tag) => tag.type === type && (type === 8 || tag.second === 1)).map((tag) => tag.timestampMs);
}

function deltas(timestamps: number[]): number[] {
  return timestamps.slice(1).map((ts, i) => ts - timestamps[i]!);
}

describe("playback streams", () => {
  it("asks signaling for a playback in epoch ms and keeps FLV timestamps monotonic across a backward seek, a pause and a forward seek", async () => {
    const streamId = `${channel()}@seek`;
    const viewer = httpGet(flvUrl(streamId), 50_000_000, 7500);
    await expect.poll(() => devices.get(streamId), { timeout: 3000, interval: 20 }).toBeDefined();
    const device = devices.get(streamId)!;
    await sleep(1500);
    device.seek(-20_000);
    await sleep(1000);
    expect(await t.bus.request(mediaPause, scope(), { streamId, paused: true })).toEqual({ paused: true });
    device.pause();
    // Longer than RTP_SILENCE_TIMEOUT: a paused playback is not "no RTP".
    await sleep(1600);
    expect(t.relay.registry.get(streamId)?.state).toBe("playing");
    const late = await httpGet(flvUrl(streamId), 30_000, 1000);
    expect(late.firstByteMs).toBeLessThan(300);
    const lateTags = flvTags(late.body);
    expect(lateTags[1]).toMatchObject({ type: 9, firstByte: 0x17, second: 0 });
    expect(lateTags.find((tag) => tag.type === 9 && tag.second === 1)).toMatchObject({ firstByte: 0x17 });
    device.resume();
    expect(await t.bus.request(mediaPause, scope(), { streamId, paused: false })).toEqual({ paused: false });
    await sleep(800);
    device.seek(60_000);
    const flv = await viewer;

    const invite = invites.find((i) => i.streamId === streamId);
    expect(invite).toMatchObject({ kind: "playback", start: START * 1000, end: (START + 3600) * 1000 });
    // GB/T 28181-2016 Annex F.4: a playback SSRC starts with 1.
    expect(invite?.ssrc).toMatch(/^1/);
    const tags = flvTags(flv.body);
    const video = media(tags, 9);
    const audio = media(tags, 8);
    expect(video.length).toBeGreaterThan(100);
    expect(audio.length).toBeGreaterThan(100);
    for (const track of [video, audio]) expect(deltas(track).every((d) => d > 0)).toBe(true);
    // Neither the 20 s back, the pause nor the 60 s ahead shows as a gap the player would stall on.
    expect(Math.max(...deltas(video))).toBeLessThanOrEqual(200);
    expect(video.at(-1)! - video[0]!).toBeLessThan(7500);
    const streams = ffprobe(flv.body, "playback.flv");
    expect(streams.map((s) => s.codec_name).sort()).toEqual(["h264", "pcm_alaw"]);
    const decoded = ffmpegDecode(flv.body, "playback-decode.flv");
    expect(decoded.errors).toBe("");
    expect(decoded.frames).toBe(video.length);
  }, 20_000);

  it("ends when the device's timestamps pass the end: viewers get a clean end of stream and the device a BYE", async () => {
    const streamId = `${channel()}@end`;
    const url = flvUrl(streamId, START, START + 3);
    const [http, ws] = await Promise.all([httpGet(url, 50_000_000, 9000), wsGet(url, 50_000_000, 9000)]);
    expect(http.status).toBe(200);
    expect(http.ended).toBe(true);
    expect(ws.status).toBe(101);
    expect(ws.closeCode).toBe(1000);
    const video = media(flvTags(http.body), 9);
    // The last picture sent is the first one past `end`: 3 s of the recording.
    expect(video.at(-1)! - video[0]!).toBeGreaterThanOrEqual(2900);
    expect(video.at(-1)! - video[0]!).toBeLessThanOrEqual(3200);
    await expect.poll(() => byes.find((b) => b.callId === `call-${streamId}`), { timeout: 2000, interval: 50 }).toMatchObject({ reason: "playback reached its end" });
    expect(t.relay.registry.get(streamId)).toBeUndefined();
    const { plays } = await t.bus.request(mediaTimeline, scope(), { channelId: streamId.split("@")[0]! });
    expect(plays[0]).toMatchObject({ streamId, kind: "playback", outcome: "playback reached its end" });
  }, 15_000);

  it("ends viewers cleanly and sends no BYE when signaling closes the stream (MediaStatus 121 or the device's BYE)", async () => {
    const streamId = `${channel()}@eof`;
    const url = flvUrl(streamId);
    const viewers = Promise.all([httpGet(url, 50_000_000, 8000), wsGet(url, 50_000_000, 8000)]);
    await expect.poll(() => t.relay.registry.get(streamId)?.state, { timeout: 4000, interval: 20 }).toBe("playing");
    await sleep(500);
    expect(await t.bus.request(mediaClose, scope(), { streamId, reason: "MediaStatus 121" })).toEqual({ closed: true });
    const [http, ws] = await viewers;
    expect(http.ended).toBe(true);
    expect(ffprobe(http.body, "eof.flv").map((s) => s.codec_name)).toContain("h264");
    expect(ws.closeCode).toBe(1000);
    await sleep(300);
    expect(byes.some((b) => b.callId === `call-${streamId}`)).toBe(false);
  }, 15_000);

  it("never shares a playback between sessions: each session of a channel has its own INVITE, port and SSRC", async () => {
    const channelId = channel();
    await Promise.all([httpGet(flvUrl(`${channelId}@one`), 20_000, 3000), httpGet(flvUrl(`${channelId}@two`), 20_000, 3000)]);
    const mine = invites.filter((i) => i.streamId.startsWith(channelId));
    expect(mine.map((i) => i.streamId).sort()).toEqual([`${channelId}@one`, `${channelId}@two`]);
    expect(mine[0]!.mediaPort).not.toBe(mine[1]!.mediaPort);
    expect(mine[0]!.ssrc).not.toBe(mine[1]!.ssrc);
  });

  it("refuses a playback URL without start and end, and media.pause of a stream it does not hold", async () => {
    const res = await httpGet(`http://127.0.0.1:${t.relay.httpPort}/live/${channel()}@bare.live.flv`, 10_000, 2000);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body.toString())).toMatchObject({ error: expect.stringContaining("start") });
    const pause = t.bus.request(mediaPause, scope(), { streamId: `${channel()}@none`, paused: true });
    await expect(pause).rejects.toSatisfy((err) => err instanceof BusError && err.remoteCode === "unknown_stream");
  });
});
