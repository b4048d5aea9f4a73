import { createSocket } from "node:dgram";
import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mediaClose, playbackControl, sipBye, sipInvite } from "@ivc/bus";
import type { VirtualDevice } from "@ivc/device-sim";
import { generateTestPattern, StreamingMediaResponder } from "@ivc/device-sim";
import { getHeader, type SipRequest } from "@ivc/sip";
import { freePort } from "../../../test/support/ports.js";
import { deviceCode, remoteCode, sleep, startHarness, type Harness } from "./support/harness.js";

// Playback over the bus: s=Playback INVITE, MANSRTSP INFO on its dialog, MediaStatus 121 at the end.

const START = 1_700_000_000;
/** PsStreamer's first timestamp: position 0 s. */
const FIRST_TS = 90_000;

let h: Harness;
let video: string;
const responders: StreamingMediaResponder[] = [];
const cleanups: Array<() => void> = [];
const closes: Array<{ streamId: string; reason?: string | undefined }> = [];
let relay: { unsubscribe(): void } | undefined;

async function playbackDevice(mediaStatusCallId: "call" | "new" | "dialog" = "call") {
  const responder = new StreamingMediaResponder({ video });
  responders.push(responder);
  const device = await h.registeredDevice({ mediaResponder: responder, mediaStatusCallId });
  return { device, responder, channelId: device.channels[0]!.id };
}

interface RtpPacket {
  at: number;
  /** Seconds of recording position from the RTP timestamp. */
  position: number;
}

/** The relay's RTP port: every packet's arrival time and position. */
async function rtpReceiver(): Promise<{ port: number; packets: RtpPacket[] }> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const packets: RtpPacket[] = [];
  socket.on("message", (packet) => packets.push({ at: Date.now(), position: (packet.readUInt32BE(4) - FIRST_TS) / 90_000 }));
  cleanups.push(() => socket.close());
  return { port: socket.address().port, packets };
}

let session = 0;
async function startPlayback(channelId: string, port: number, seconds: number) {
  const streamId = `${channelId}@pb${++session}`;
  const reply = await h.bus.request(
    sipInvite,
    { clusterId: h.clusterId },
    { streamId, channelId, mediaIp: "127.0.0.1", mediaPort: port, ssrc: `1${h.domain.slice(3, 8)}${String(session).padStart(4, "0")}`, transport: "udp", kind: "playback", start: START * 1000, end: (START + seconds) * 1000 },
    { timeoutMs: 10_000 },
  );
  return { streamId, callId: reply.callId };
}

function control(streamId: string, request: { action: "play" | "pause" | "teardown"; pos?: number; scale?: 0.25 | 0.5 | 1 | 2 | 4 | 8 }) {
  return h.bus.request(playbackControl, { clusterId: h.clusterId }, { streamId, ...request });
}

function inDialog(device: VirtualDevice, method: string, callId: string): SipRequest[] {
  return device.journal.filter((e) => e.method === method && getHeader(e.request, "Call-ID") === callId).map((e) => e.request);
}

function cseqOf(request: SipRequest): number {
  return Number((getHeader(request, "CSeq") ?? "").split(" ")[0]);
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

beforeAll(async () => {
  video = (await generateTestPattern()) ?? "";
  if (!video) throw new Error("these tests need ffmpeg at /usr/bin/ffmpeg");
  h = await startHarness({ SIP_PORT: await freePort() });
  relay = h.bus.reply(mediaClose, { clusterId: h.clusterId }, (request) => {
    closes.push(request);
    return { closed: true };
  });
});

afterAll(async () => {
  relay?.unsubscribe();
  for (const cleanup of cleanups) cleanup();
  await Promise.all(responders.map((r) => r.close()));
  await h?.close();
  if (video) await rm(dirname(video), { recursive: true, force: true });
});

describe("playback control (GB/T 28181-2016 §9.8, MANSRTSP over INFO)", () => {
  it("pause stops the device's stream, play resumes it, seek jumps the timestamps, scale speeds them up; CSeqs count per dialog", async () => {
    const { device, channelId } = await playbackDevice();
    const rtp = await rtpReceiver();
    const { streamId, callId } = await startPlayback(channelId, rtp.port, 600);
    const invite = inDialog(device, "INVITE", callId)[0]!;
    expect(invite.body.toString()).toContain("s=Playback\r\n");
    await waitFor(() => rtp.packets.length > 10, 3000, "RTP");
    expect(rtp.packets[0]!.position).toBe(0);

    expect(await control(streamId, { action: "pause" })).toEqual({ result: "OK" });
    await sleep(100);
    const paused = rtp.packets.length;
    await sleep(400);
    expect(rtp.packets.length).toBe(paused);

    await control(streamId, { action: "play" });
    await waitFor(() => rtp.packets.length > paused + 5, 2000, "RTP after resuming");
    const resumedAt = rtp.packets[paused]!.position;
    expect(resumedAt).toBeLessThan(2);

    const beforeSeek = rtp.packets.length;
    await control(streamId, { action: "play", pos: 300 });
    await waitFor(() => rtp.packets.slice(beforeSeek).some((p) => p.position >= 300), 2000, "the seek");
    expect(rtp.packets.slice(beforeSeek).filter((p) => p.position > 2).every((p) => p.position >= 300 && p.position < 302)).toBe(true);

    // Scale 4: four seconds of recording per second of wall time.
    await control(streamId, { action: "play", scale: 4 });
    await sleep(200);
    const from = rtp.packets[rtp.packets.length - 1]!;
    await sleep(1000);
    const to = rtp.packets[rtp.packets.length - 1]!;
    const rate = (to.position - from.position) / ((to.at - from.at) / 1000);
    expect(rate).toBeGreaterThan(3.2);
    expect(rate).toBeLessThan(4.8);

    const infos = inDialog(device, "INFO", callId);
    expect(infos.map((r) => r.body.toString())).toEqual([
      "PAUSE RTSP/1.0\r\nCSeq: 1\r\nPauseTime: now\r\n\r\n",
      "PLAY RTSP/1.0\r\nCSeq: 2\r\nRange: npt=now-\r\n\r\n",
      "PLAY RTSP/1.0\r\nCSeq: 3\r\nRange: npt=300-\r\n\r\n",
      "PLAY RTSP/1.0\r\nCSeq: 4\r\nScale: 4.0\r\n\r\n",
    ]);
    expect(infos.every((r) => getHeader(r, "Content-Type") === "Application/MANSRTSP")).toBe(true);
    expect(infos.map(cseqOf)).toEqual([1, 2, 3, 4].map((n) => cseqOf(invite) + n));

    // The BYE follows the INFOs' CSeqs.
    expect(await h.bus.request(sipBye, { clusterId: h.clusterId }, { callId })).toEqual({ sent: true });
    await waitFor(() => inDialog(device, "BYE", callId).length === 1, 2000, "the BYE");
    expect(cseqOf(inDialog(device, "BYE", callId)[0]!)).toBe(cseqOf(invite) + 5);
  });

  it("teardown stops the device's stream", async () => {
    const { responder, channelId } = await playbackDevice();
    const rtp = await rtpReceiver();
    const { streamId } = await startPlayback(channelId, rtp.port, 600);
    await waitFor(() => rtp.packets.length > 0, 3000, "RTP");
    const stopped = new Promise<string>((resolve) => responder.once("stopped", (_key, reason) => resolve(reason)));
    await control(streamId, { action: "teardown" });
    expect(await stopped).toBe("TEARDOWN");
  });

  /** Plays a recording to its end with the device sending MediaStatus 121 the way `mode` says; expects the hang-up. */
  async function playToEndOfFile(mode: "call" | "dialog") {
    const { device, responder, channelId } = await playbackDevice(mode);
    const rtp = await rtpReceiver();
    const ended = new Promise<number>((resolve) => responder.once("endOfFile", (_key, status) => resolve(status)));
    const { streamId, callId } = await startPlayback(channelId, rtp.port, 1);
    expect(await ended).toBe(200);
    await waitFor(() => inDialog(device, "BYE", callId).length === 1, 3000, "the BYE");
    await waitFor(() => closes.some((c) => c.streamId === streamId), 3000, "media.close");
    expect(closes.find((c) => c.streamId === streamId)?.reason).toMatch(/121/);
    return { device, channelId, rtp, streamId };
  }

  it("MediaStatus 121 at the end of the range: the call is hung up and the relay gets media.close", async () => {
    const { rtp, streamId } = await playToEndOfFile("call");
    expect(Math.max(...rtp.packets.map((p) => p.position))).toBeCloseTo(24 / 25, 5);
    // The dialog is gone.
    const failure = await control(streamId, { action: "pause" }).catch((e: unknown) => e);
    expect(remoteCode(failure)).toBe("stream_not_found");
  });

  it("MediaStatus 121 inside the playback dialog (From: the channel, with the call's tags) is accepted and ends that call", async () => {
    const { device, channelId } = await playToEndOfFile("dialog");
    // In the dialog the From user is the channel, not the device.
    expect(channelId).not.toBe(device.deviceId);
  });

  it("MediaStatus 121 with a fresh Call-ID ends the device's playback of that channel, not its live call", async () => {
    const { device, responder, channelId } = await playbackDevice("new");
    const live = await rtpReceiver();
    const liveCall = await h.bus.request(
      sipInvite,
      { clusterId: h.clusterId },
      { streamId: channelId, channelId, mediaIp: "127.0.0.1", mediaPort: live.port, ssrc: `0${h.domain.slice(3, 8)}9999`, transport: "udp", kind: "live" },
      { timeoutMs: 10_000 },
    );
    const rtp = await rtpReceiver();
    const ended = new Promise<number>((resolve) => responder.once("endOfFile", (_key, status) => resolve(status)));
    const { streamId, callId } = await startPlayback(channelId, rtp.port, 1);
    expect(await ended).toBe(200);
    await waitFor(() => inDialog(device, "BYE", callId).length === 1, 3000, "the BYE");
    await waitFor(() => closes.some((c) => c.streamId === streamId), 3000, "media.close");
    expect(inDialog(device, "BYE", liveCall.callId)).toHaveLength(0);
    expect(await h.bus.request(sipBye, { clusterId: h.clusterId }, { callId: liveCall.callId })).toEqual({ sent: true });
  });

  it("answers stream_not_found without a dialog and bad_request for pos with scale", async () => {
    const missing = await control(`${deviceCode(h.domain, "132", 9_999_555)}@nobody`, { action: "pause" }).catch((e: unknown) => e);
    expect(remoteCode(missing)).toBe("stream_not_found");
    const both = await control(`${deviceCode(h.domain, "132", 9_999_555)}@nobody`, { action: "play", pos: 3, scale: 2 }).catch((e: unknown) => e);
    expect(remoteCode(both)).toBe("bad_request");
  });
});
