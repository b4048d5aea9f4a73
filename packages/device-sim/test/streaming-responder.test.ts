import { createSocket } from "node:dgram";
import { rm } from "node:fs/promises";
import { connect } from "node:net";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildInviteSdp, parseGbSdp } from "@ivc/gb28181";
import { PsRtpReceiver, Rfc4571Framer, type Frame } from "@ivc/media";
import { createRequest } from "@ivc/sip";
import { generateTestPattern } from "../src/video-source.js";
import type { InviteOffer } from "../src/media-responder.js";
import { StreamingMediaResponder } from "../src/streaming-responder.js";

const CHANNEL = "34020000001310000001";
let clip: string;
const cleanups: Array<() => unknown> = [];

function offer(
  transport: "udp" | "tcp-passive" | "tcp-active",
  port: number,
  key: string,
  playback?: { start: number; end: number; endsReported: number[]; download?: { speed: number; recordings: InviteOffer["recordings"] } },
): InviteOffer {
  const download = playback?.download;
  const range = playback
    ? { kind: download ? ("Download" as const) : ("Playback" as const), start: playback.start, end: playback.end, ...(download ? { downloadSpeed: download.speed } : {}) }
    : { kind: "Play" as const };
  const body = buildInviteSdp({ ...range, channelId: CHANNEL, mediaIp: "127.0.0.1", mediaPort: port, transport, ssrc: "0200000001" });
  const request = createRequest({
    method: "INVITE",
    uri: `sip:${CHANNEL}@127.0.0.1:5060`,
    via: { protocol: "SIP/2.0", transport: "UDP", host: "127.0.0.1", port: 5060, params: { branch: "z9hG4bK-test" } },
    from: { uri: "sip:34020000002000000001@3402000000", params: { tag: "a" } },
    to: { uri: `sip:${CHANNEL}@3402000000`, params: {} },
    callId: key,
    cseq: 1,
    body: Buffer.from(body),
    contentType: "APPLICATION/SDP",
  });
  return {
    request,
    channelId: CHANNEL,
    sdp: parseGbSdp(body),
    remote: { protocol: "udp", address: "127.0.0.1", port: 5060 },
    localAddress: "127.0.0.1",
    dialogKey: key,
    reportEndOfFile: () => {
      playback?.endsReported.push(Date.now());
      return Promise.resolve(200);
    },
    recordings: download?.recordings ?? [],
  };
}

function responder(options: ConstructorParameters<typeof StreamingMediaResponder>[0] = {}): StreamingMediaResponder {
  const r = new StreamingMediaResponder({ video: clip, ...options });
  cleanups.push(() => r.close());
  return r;
}

async function udpSink(): Promise<{ port: number; frames: Frame[]; packets: Buffer[] }> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  cleanups.push(() => socket.close());
  const receiver = new PsRtpReceiver();
  const frames: Frame[] = [];
  const packets: Buffer[] = [];
  socket.on("message", (packet) => {
    packets.push(packet);
    frames.push(...receiver.push(packet, Date.now()));
  });
  return { port: socket.address().port, frames, packets };
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  clip = (await generateTestPattern(undefined, 1)) ?? "";
  if (!clip) throw new Error("these tests need ffmpeg at /usr/bin/ffmpeg");
});

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  await rm(dirname(clip), { recursive: true, force: true });
});

describe("StreamingMediaResponder", () => {
  it("answers 200 with its own address and the offered SSRC, streams only after the ACK, paced at the frame rate", async () => {
    const r = responder();
    const sink = await udpSink();
    const answer = await r.answerInvite(offer("udp", sink.port, "udp-1"));
    expect(answer.status).toBe(200);
    const sdp = parseGbSdp(answer.body?.toString() ?? "");
    expect(sdp).toMatchObject({ ok: true, ssrc: "0200000001", media: { ip: "127.0.0.1", transport: "udp", direction: "sendonly" } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sink.packets).toHaveLength(0);

    const startedAt = Date.now();
    r.onAck("udp-1");
    await until(() => sink.frames.some((f) => f.kind === "video" && f.keyframe));
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() - startedAt)));
    const pictures = r.picturesSent("udp-1");
    expect(pictures).toBeGreaterThanOrEqual(23);
    expect(pictures).toBeLessThanOrEqual(28);
    expect(sink.packets.every((p) => p.readUInt32BE(8) === 200000001)).toBe(true);
    // The UDP source port is the one announced in the answer.
    if (!sdp.ok) throw new Error(sdp.reason);
    expect(sdp.media.port).toBeGreaterThan(0);
  });

  it("loops the source with timestamps that keep rising", async () => {
    const r = responder({ frameRate: 100 });
    const sink = await udpSink();
    await r.answerInvite(offer("udp", sink.port, "loop"));
    r.onAck("loop");
    await until(() => r.picturesSent("loop") > 40, 3000);
    await until(() => sink.frames.filter((f) => f.kind === "video").length > 35, 3000);
    const pts = sink.frames.filter((f) => f.kind === "video").map((f) => f.pts);
    expect(pts.every((value, i) => i === 0 || value > pts[i - 1]!)).toBe(true);
    expect(sink.frames.filter((f) => f.kind === "video" && f.keyframe).length).toBeGreaterThanOrEqual(2);
  });

  it("stops on BYE", async () => {
    const r = responder();
    const sink = await udpSink();
    await r.answerInvite(offer("udp", sink.port, "bye"));
    r.onAck("bye");
    await until(() => sink.packets.length > 0);
    const stopped = new Promise<string>((resolve) => r.once("stopped", (_key, reason) => resolve(reason)));
    r.onBye("bye");
    expect(await stopped).toBe("BYE");
    await new Promise((resolve) => setTimeout(resolve, 100));
    const count = sink.packets.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sink.packets.length).toBe(count);
    expect(r.active).toHaveLength(0);
  });

  it("listens for a platform that connects (setup:active) and frames RTP per RFC 4571, with G.711A audio", async () => {
    const r = responder({ audio: true, answerSsrc: "0200009999" });
    const answer = await r.answerInvite(offer("tcp-active", 9, "tcp"));
    const sdp = parseGbSdp(answer.body?.toString() ?? "");
    if (!sdp.ok) throw new Error(sdp.reason);
    expect(sdp).toMatchObject({ ssrc: "0200009999", media: { transport: "tcp", setup: "passive", connection: "new" } });
    r.onAck("tcp");
    const framer = new Rfc4571Framer();
    const receiver = new PsRtpReceiver();
    const frames: Frame[] = [];
    const socket = connect({ host: "127.0.0.1", port: sdp.media.port });
    cleanups.push(() => socket.destroy());
    socket.on("data", (chunk: Buffer) => framer.push(chunk).forEach((p) => frames.push(...receiver.push(p, Date.now()))));
    await until(() => frames.some((f) => f.kind === "video" && f.keyframe) && frames.some((f) => f.kind === "audio"));
    expect(frames.find((f) => f.kind === "audio")).toMatchObject({ codec: "G711A" });
    expect(framer.stats.resyncBytes).toBe(0);
  });

  it("streams an H.265 source as PS (stream type 0x24) that demuxes into H.265 frames with keyframes; the answer stays PS/90000", async () => {
    const hevc = await generateTestPattern(undefined, 1, "H265");
    if (hevc === undefined) throw new Error("these tests need ffmpeg at /usr/bin/ffmpeg");
    cleanups.push(() => rm(dirname(hevc), { recursive: true, force: true }));
    const r = responder({ codec: "H265", video: hevc, audio: true });
    const sink = await udpSink();
    const answer = await r.answerInvite(offer("udp", sink.port, "hevc"));
    expect(answer.body?.toString()).toContain("a=rtpmap:96 PS/90000\r\n");
    r.onAck("hevc");
    await until(() => sink.frames.filter((f) => f.kind === "video" && f.keyframe).length >= 2, 4000);
    const video = sink.frames.filter((f) => f.kind === "video");
    expect(new Set(video.map((f) => f.codec))).toEqual(new Set(["H265"]));
    expect(video[0]?.keyframe).toBe(true);
    expect(video.some((f) => !f.keyframe)).toBe(true);
    expect(sink.frames.find((f) => f.kind === "audio")?.codec).toBe("G711A");
    // The PSM (sent with keyframes) announces stream type 0x24 for the video elementary stream.
    const ps = Buffer.concat(sink.packets.map((p) => p.subarray(12)));
    const psm = ps.indexOf(Buffer.from([0x00, 0x00, 0x01, 0xbc]));
    expect(psm).toBeGreaterThanOrEqual(0);
    const infoLength = ps.readUInt16BE(psm + 8);
    expect(ps[psm + 12 + infoLength]).toBe(0x24);
    expect(ps[psm + 12 + infoLength + 1]).toBe(0xe0);
  });

  it("refuses with the configured status, and with 488 when there is no video and no ffmpeg", async () => {
    expect((await responder({ refuseInvite: 486 }).answerInvite(offer("udp", 30000, "busy"))).status).toBe(486);
    const noSource = new StreamingMediaResponder({ ffmpegPath: "/nonexistent/ffmpeg" });
    const warnings: string[] = [];
    noSource.on("warning", (text) => warnings.push(text));
    expect((await noSource.answerInvite(offer("udp", 30000, "none"))).status).toBe(488);
    expect(warnings.join("\n")).toMatch(/ffmpeg/);
  });
});

/** RTP timestamp → seconds of position (PsStreamer starts at 90000 = 1 s). */
function positionOf(packet: Buffer): number {
  return (packet.readUInt32BE(4) - 90_000) / 90_000;
}

function mansrtsp(text: string): Buffer {
  return Buffer.from(`${text.replace(/\n/g, "\r\n")}\r\n\r\n`);
}

describe("StreamingMediaResponder playback (s=Playback)", () => {
  const START = 1_700_000_000;

  it("streams the range with timestamps from its start, stops sending on PAUSE, resumes on PLAY, and reports end of file", async () => {
    const r = responder();
    const sink = await udpSink();
    const endsReported: number[] = [];
    await r.answerInvite(offer("udp", sink.port, "pb-1", { start: START, end: START + 2, endsReported }));
    expect(r.onInfo("pb-1", mansrtsp("PAUSE RTSP/1.0\nCSeq: 1\nPauseTime: now"))).toBe(200);
    r.onAck("pb-1");
    await until(() => sink.packets.length > 0);
    expect(positionOf(sink.packets[0]!)).toBe(0);

    expect(r.onInfo("pb-1", mansrtsp("PAUSE RTSP/1.0\nCSeq: 2\nPauseTime: now"))).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const paused = sink.packets.length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(sink.packets.length).toBe(paused);

    expect(r.onInfo("pb-1", mansrtsp("PLAY RTSP/1.0\nCSeq: 3\nRange: npt=now-"))).toBe(200);
    await until(() => endsReported.length === 1, 4000);
    // 2 s at 25 fps: pictures 0..49, the last one at 49/25 s. The end is reported once the last
    // picture is sent; its datagrams may still be on their way to the sink.
    const lastPosition = 49 / 25;
    await until(() => sink.packets.some((p) => Math.abs(positionOf(p) - lastPosition) < 1e-6), 2000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const received = sink.packets.length;
    expect(Math.max(...sink.packets.map(positionOf))).toBeCloseTo(lastPosition, 5);
    expect(r.picturesSent("pb-1")).toBe(50);
    // Nothing follows the end of file.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sink.packets.length).toBe(received);
  });

  it("seeks with PLAY Range: the timestamps jump to the new position, starting at a keyframe", async () => {
    const r = responder();
    const sink = await udpSink();
    const endsReported: number[] = [];
    await r.answerInvite(offer("udp", sink.port, "pb-seek", { start: START, end: START + 60, endsReported }));
    r.onAck("pb-seek");
    await until(() => sink.packets.length > 5);
    expect(r.onInfo("pb-seek", mansrtsp("PLAY RTSP/1.0\nCSeq: 1\nRange: npt=30-"))).toBe(200);
    const seekedAt = sink.packets.length;
    await until(() => sink.packets.length > seekedAt + 5);
    const after = sink.packets.slice(seekedAt).map(positionOf);
    expect(after[0]).toBeGreaterThanOrEqual(30);
    expect(after[0]).toBeLessThan(31);
    await until(() => sink.frames.some((f) => f.kind === "video" && f.pts >= 90_000 * 31));
    expect(sink.frames.find((f) => f.kind === "video" && f.pts >= 90_000 * 31)?.keyframe).toBe(true);
  });

  it("PLAY Scale 4 sends four times as many pictures per second, each one frame interval of position apart", async () => {
    const r = responder();
    const sink = await udpSink();
    await r.answerInvite(offer("udp", sink.port, "pb-scale", { start: START, end: START + 600, endsReported: [] }));
    r.onAck("pb-scale");
    await until(() => sink.packets.length > 0);
    const measure = async () => {
      const before = r.picturesSent("pb-scale");
      await new Promise((resolve) => setTimeout(resolve, 600));
      return r.picturesSent("pb-scale") - before;
    };
    const normal = await measure();
    expect(r.onInfo("pb-scale", mansrtsp("PLAY RTSP/1.0\nCSeq: 1\nScale: 4.0"))).toBe(200);
    const fast = await measure();
    expect(normal).toBeGreaterThanOrEqual(12);
    expect(normal).toBeLessThanOrEqual(18);
    expect(fast).toBeGreaterThanOrEqual(normal * 3);
    const pts = sink.frames.filter((f) => f.kind === "video").map((f) => f.pts);
    expect(pts.every((value, i) => i === 0 || value - pts[i - 1]! === 3600)).toBe(true);
  });

  it("answers 455 to playback control on a live stream and 400 to an unreadable body", async () => {
    const r = responder();
    await r.answerInvite(offer("udp", 30000, "live-info"));
    expect(r.onInfo("live-info", mansrtsp("PAUSE RTSP/1.0\nCSeq: 1"))).toBe(455);
    expect(r.onInfo("live-info", Buffer.from("hello"))).toBe(400);
    expect(r.onInfo("nobody", mansrtsp("PAUSE RTSP/1.0\nCSeq: 1"))).toBe(481);
  });
});

describe("StreamingMediaResponder download (s=Download)", () => {
  const START = 1_700_000_000;

  it("sends the recorded part of the range at a=downloadspeed times real time, with the recording's timestamps, then reports end of file", async () => {
    const r = responder();
    const sink = await udpSink();
    const endsReported: number[] = [];
    // Asked for 20 s around a 2 s recording: only the recording goes out.
    const download = { speed: 4, recordings: [{ start: START, end: START + 2 }] };
    const answer = await r.answerInvite(offer("udp", sink.port, "dl-1", { start: START - 10, end: START + 10, endsReported, download }));
    expect(answer.status).toBe(200);
    expect(r.active).toHaveLength(0);
    r.onAck("dl-1");
    const startedAt = Date.now();
    await until(() => endsReported.length === 1, 4000);
    const wallMs = endsReported[0]! - startedAt;
    // 50 pictures at 4 × 25 per second: about 0.5 s, far from the 2 s of real time.
    expect(wallMs).toBeLessThan(1200);
    expect(wallMs).toBeGreaterThan(350);
    expect(r.picturesSent("dl-1")).toBe(50);
    await until(() => sink.packets.some((p) => Math.abs(positionOf(p) - 49 / 25) < 1e-6), 2000);
    expect(Math.min(...sink.packets.map(positionOf))).toBe(0);
  });

  it("refuses a download of a range without recordings with 404", async () => {
    const r = responder();
    const download = { speed: 2, recordings: [{ start: START, end: START + 60 }] };
    const answer = await r.answerInvite(offer("udp", 30000, "dl-none", { start: START + 100, end: START + 200, endsReported: [], download }));
    expect(answer.status).toBe(404);
  });
});
