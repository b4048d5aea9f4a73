import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { mediaAnswer, mediaClose, mediaOpen, mediaTimeline, sipBye, sipInvite } from "@ivc/bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ssrcToNumber } from "../src/ssrc.js";
import { rfc4571, streamPs, tcpClient, tcpListener, testH264, udpSender, type TestDevice } from "./support/device.js";
import { portRange, startTestRelay, type TestRelay } from "./support/relay.js";
import { ffprobe, flvTags, httpGet, wsGet } from "./support/viewers.js";

let t: TestRelay;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  testH264();
  t = await startTestRelay({ RTP_PORTS: portRange(41000), PLAY_TIMEOUT: "4", RTP_SILENCE_TIMEOUT: "1.5", NO_VIEWER_CLOSE: "1" });
});
afterAll(async () => {
  for (const c of cleanups) c();
  await t?.stop();
});

const scope = () => ({ clusterId: t.clusterId });
const flvUrl = (streamId: string, query = "") => `http://127.0.0.1:${t.relay.httpPort}/live/${streamId}.live.flv${query}`;
let nextChannel = 1;
const channel = () => `3402000000131000${String(nextChannel++).padStart(4, "0")}`;

function device(d: TestDevice, close?: () => void): TestDevice {
  cleanups.push(() => d.stop(), () => close?.());
  return d;
}

/** FLV header + onMetaData + AVC sequence header: the first two tags. */
function initSegmentLength(flv: Buffer): number {
  let offset = 13;
  for (let i = 0; i < 2; i++) offset += 11 + flv.readUIntBE(offset + 1, 3) + 4;
  return offset;
}

async function openUdp(streamId: string) {
  return t.bus.request(mediaOpen, scope(), { streamId, channelId: streamId, deviceId: "34020000001320000001", kind: "live", transport: "udp" });
}

describe("UDP ingest", () => {
  it("serves HTTP-FLV that ffprobe reads as H.264 320x240, drops and counts packets of a foreign SSRC", async () => {
    const streamId = channel();
    const reply = await openUdp(streamId);
    // 0 = live, 20000 = characters 4–8 of SIP domain 3402000000, then a 4-digit sequence.
    expect(reply.ssrc).toMatch(/^020000\d{4}$/);
    const udp = udpSender("127.0.0.1", reply.port);
    const good = device(streamPs(ssrcToNumber(reply.ssrc), udp.send), udp.close);
    const stray = device(streamPs(12345, udp.send, { fps: 10 }));
    const flv = await httpGet(flvUrl(streamId), 400_000, 3000);
    stray.stop();
    expect(flv.status).toBe(200);
    const [video] = ffprobe(flv.body, "udp.flv");
    expect(video).toMatchObject({ codec_name: "h264", width: 320, height: 240 });
    const session = t.relay.registry.get(streamId)!;
    expect(session.stats.ssrc.foreign).toBeGreaterThan(0);
    expect(session.stats.ssrc.accepted).toBeGreaterThan(0);
    expect(good.sent).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await t.metrics.getSingleMetricAsString("ivc_media_foreign_ssrc_packets_total")).toMatch(/ivc_media_foreign_ssrc_packets_total [1-9]/);
  });

  it("starts a second viewer at once with init and a keyframe from the GOP cache; WS-FLV carries the same FLV", async () => {
    const streamId = channel();
    const reply = await openUdp(streamId);
    const udp = udpSender("127.0.0.1", reply.port);
    device(streamPs(ssrcToNumber(reply.ssrc), udp.send), udp.close);
    const first = httpGet(flvUrl(streamId), 10_000_000, 2500);
    await new Promise((r) => setTimeout(r, 1500));
    const second = await httpGet(flvUrl(streamId), 1, 2000);
    expect(second.status).toBe(200);
    expect(second.firstByteMs).toBeLessThan(200);
    const late = await httpGet(flvUrl(streamId), 20_000, 1000);
    const tags = flvTags(late.body);
    expect(tags[0]?.type).toBe(18);
    expect(tags[1]).toMatchObject({ type: 9, firstByte: 0x17, second: 0 });
    expect(tags[2]).toMatchObject({ type: 9, firstByte: 0x17, second: 1 });
    const ws = await wsGet(flvUrl(streamId), 400_000, 2000);
    expect(ws.status).toBe(101);
    expect(ws.body.subarray(0, 3).toString()).toBe("FLV");
    // The init segment (header, onMetaData, AVC sequence header) is byte-identical across protocols.
    const initLength = initSegmentLength(late.body);
    expect(ws.body.subarray(0, initLength).equals(late.body.subarray(0, initLength))).toBe(true);
    expect(ffprobe(ws.body, "ws.flv")[0]).toMatchObject({ codec_name: "h264", width: 320, height: 240 });
    expect((await first).status).toBe(200);
  });
});

describe("audio", () => {
  it("carries G.711A beside H.264 when the stream's first packets are mid-GOP, before any PSM", async () => {
    const streamId = channel();
    const reply = await openUdp(streamId);
    const udp = udpSender("127.0.0.1", reply.port);
    device(streamPs(ssrcToNumber(reply.ssrc), udp.send, { audio: true, firstPicture: 10 }), udp.close);
    const flv = await httpGet(flvUrl(streamId), 400_000, 3000);
    // FLV header flags: 0x04 audio, 0x01 video.
    expect(flv.body[4]).toBe(0x05);
    const streams = ffprobe(flv.body, "alaw.flv");
    expect(streams.find((s) => s.codec_type === "video")).toMatchObject({ codec_name: "h264", width: 320, height: 240 });
    expect(streams.find((s) => s.codec_type === "audio")).toMatchObject({ codec_name: "pcm_alaw", sample_rate: "8000", channels: 1 });
    const audioTags = flvTags(flv.body).filter((tag) => tag.type === 8);
    expect(audioTags.length).toBeGreaterThan(20);
    // FLV v10.1 §E.4.2.1 SoundFormat 7: G.711 A-law.
    expect(audioTags.every((tag) => tag.firstByte >> 4 === 7)).toBe(true);
  });
});

describe("TCP ingest", () => {
  it("accepts a device connecting to the leased port (TCP passive, RFC 4571)", async () => {
    const streamId = channel();
    const reply = await t.bus.request(mediaOpen, scope(), { streamId, channelId: streamId, deviceId: "34020000001320000001", kind: "live", transport: "tcp-passive" });
    expect(reply.transport).toBe("tcp-passive");
    const socket = await tcpClient("127.0.0.1", reply.port);
    device(streamPs(ssrcToNumber(reply.ssrc), rfc4571(socket)), () => socket.destroy());
    const flv = await httpGet(flvUrl(streamId), 300_000, 3000);
    expect(ffprobe(flv.body, "passive.flv")[0]).toMatchObject({ codec_name: "h264", width: 320, height: 240 });
  });

  it("connects to the device from its answer (TCP active) and accepts the device's own SSRC", async () => {
    const streamId = channel();
    const reply = await t.bus.request(mediaOpen, scope(), { streamId, channelId: streamId, deviceId: "34020000001320000001", kind: "live", transport: "tcp-active" });
    const listener = await tcpListener();
    cleanups.push(() => listener.server.close());
    const deviceSsrc = "0020009999";
    expect(deviceSsrc).not.toBe(reply.ssrc);
    const answer = await t.bus.request(mediaAnswer, scope(), { streamId, callId: "call-active", deviceSsrc, deviceIp: "127.0.0.1", devicePort: listener.port });
    expect(answer.accepted).toBe(true);
    const socket = await listener.connection;
    device(streamPs(ssrcToNumber(deviceSsrc), rfc4571(socket)), () => socket.destroy());
    const flv = await httpGet(flvUrl(streamId), 300_000, 3000);
    expect(ffprobe(flv.body, "active.flv")[0]).toMatchObject({ codec_name: "h264", width: 320, height: 240 });
    const { plays } = await t.bus.request(mediaTimeline, scope(), { channelId: streamId });
    expect(plays[0]?.stages.map((s) => s.stage)).toEqual(["request", "answer", "first-rtp", "first-keyframe", "first-byte"]);
    expect(await t.bus.request(mediaClose, scope(), { streamId })).toEqual({ closed: true });
  });
});

describe("HLS", () => {
  it("writes a playlist and segments through ffmpeg and removes them when the stream ends", async () => {
    const streamId = channel();
    const reply = await openUdp(streamId);
    const udp = udpSender("127.0.0.1", reply.port);
    const d = device(streamPs(ssrcToNumber(reply.ssrc), udp.send), udp.close);
    const base = `http://127.0.0.1:${t.relay.httpPort}/hls/${streamId}`;
    const playlist = await httpGet(`${base}/index.m3u8`, 100_000, 4000);
    expect(playlist.status).toBe(200);
    const text = playlist.body.toString();
    expect(text).toContain("#EXTM3U");
    const segment = /^(seg\d+\.ts)$/m.exec(text)?.[1];
    expect(segment).toBeDefined();
    const ts = await httpGet(`${base}/${segment}`, 10_000_000, 2000);
    expect(ts.status).toBe(200);
    expect(ffprobe(ts.body, "seg.ts")[0]).toMatchObject({ codec_name: "h264", width: 320, height: 240 });
    const dir = join(t.varDir, "hls", streamId);
    expect(readdirSync(dir).length).toBeGreaterThan(0);
    d.stop();
    await expect.poll(() => existsSync(dir), { timeout: 6000, interval: 200 }).toBe(false);
  });
});

describe("on-demand play", () => {
  it("asks signaling to INVITE, plays, and sends BYE when the last viewer left; the stream is the device's channel (<device>_<channel>)", async () => {
    const channelId = channel();
    const streamId = `34020000001320000001_${channelId}`;
    const byes: string[] = [];
    const subs = [
      t.bus.reply(sipInvite, scope(), (req) => {
        const udp = udpSender("127.0.0.1", req.mediaPort);
        device(streamPs(ssrcToNumber(req.ssrc), udp.send), udp.close);
        return { callId: `call-${req.streamId}` };
      }),
      t.bus.reply(sipBye, scope(), (req) => {
        byes.push(req.callId);
        return { sent: true };
      }),
    ];
    cleanups.push(() => subs.forEach((s) => s.unsubscribe()));
    const flv = await httpGet(flvUrl(channelId, "?device=34020000001320000001"), 200_000, 3000);
    expect(ffprobe(flv.body, "ondemand.flv")[0]).toMatchObject({ codec_name: "h264", width: 320 });
    await expect.poll(() => byes, { timeout: 5000, interval: 100 }).toEqual([`call-${streamId}`]);
    const plays = await httpGet(`http://127.0.0.1:${t.relay.httpPort}/api/plays/${streamId}`, 100_000, 1000);
    const record = (JSON.parse(plays.body.toString()) as { plays: Array<{ stages: Array<{ stage: string }>; outcome: string }> }).plays[0]!;
    expect(record.stages.map((s) => s.stage)).toEqual(["request", "invite-sent", "answer", "first-rtp", "first-keyframe", "first-byte", "closed"]);
    expect(record.outcome).toBe("no viewer");
    subs.forEach((s) => s.unsubscribe());
  });
});
