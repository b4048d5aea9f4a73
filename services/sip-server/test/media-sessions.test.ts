import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mediaClose, sipBye, sipInvite } from "@ivc/bus";
import type { VirtualDevice } from "@ivc/device-sim";
import { generateTestPattern, StreamingMediaResponder, type MediaResponder, type StreamingResponderOptions } from "@ivc/device-sim";
import { parseGbSdp } from "@ivc/gb28181";
import { PsRtpReceiver, Rfc4571Framer, type Frame } from "@ivc/media";
import { getHeader } from "@ivc/sip";
import { freePort } from "../../../test/support/ports.js";
import { deviceCode, remoteCode, SERVER_ID, sleep, startHarness, type Harness } from "./support/harness.js";

let h: Harness;
let video: string;
let streamSequence = 0;
const responders: StreamingMediaResponder[] = [];
const closes: Array<{ streamId: string; reason?: string | undefined }> = [];
let relayResponder: { unsubscribe(): void } | undefined;

/** A relay's leased SSRC for this run's domain (GB/T 28181 Annex F: 0 live, domain digits 4–8, sequence). */
function offeredSsrc(): string {
  return `0${h.domain.slice(3, 8)}${String(++streamSequence).padStart(4, "0")}`;
}

async function streamingDevice(media: StreamingResponderOptions = {}, extra: { channels?: number; transport?: "udp" | "tcp"; responder?: MediaResponder } = {}) {
  const responder = new StreamingMediaResponder({ video, ...media });
  responders.push(responder);
  const device = await h.registeredDevice({
    channels: extra.channels ?? 1,
    transport: extra.transport ?? "udp",
    mediaResponder: extra.responder ?? responder,
  });
  return { device, responder, channelId: device.channels[0]!.id };
}

/** A UDP socket standing in for the relay's RTP port; frames demuxed as they arrive. */
async function udpReceiver(): Promise<{ port: number; frames: Frame[]; ssrcs: Set<number>; packets: () => number; socket: UdpSocket }> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const receiver = new PsRtpReceiver();
  const frames: Frame[] = [];
  const ssrcs = new Set<number>();
  let packets = 0;
  socket.on("message", (packet) => {
    packets++;
    ssrcs.add(packet.readUInt32BE(8));
    frames.push(...receiver.push(packet, Date.now()));
  });
  receivers.push(() => socket.close());
  return { port: socket.address().port, frames, ssrcs, packets: () => packets, socket };
}

function frameCollector(): { frames: Frame[]; feed(chunk: Buffer): void } {
  const framer = new Rfc4571Framer();
  const receiver = new PsRtpReceiver();
  const frames: Frame[] = [];
  return { frames, feed: (chunk) => framer.push(chunk).forEach((packet) => frames.push(...receiver.push(packet, Date.now()))) };
}

const receivers: Array<() => void> = [];

async function waitFor(condition: () => boolean, timeoutMs = 6000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function invite(channelId: string, port: number, transport: "udp" | "tcp-passive" | "tcp-active", extra: { deviceId?: string; ssrc?: string } = {}) {
  return h.bus.request(
    sipInvite,
    { clusterId: h.clusterId },
    { streamId: channelId, channelId, mediaIp: "127.0.0.1", mediaPort: port, ssrc: extra.ssrc ?? offeredSsrc(), transport, kind: "live", ...(extra.deviceId ? { deviceId: extra.deviceId } : {}) },
    { timeoutMs: 10_000 },
  );
}

function inviteOf(device: VirtualDevice) {
  const entry = [...device.journal].reverse().find((e) => e.method === "INVITE");
  if (!entry) throw new Error("the device got no INVITE");
  return { request: entry.request, sdp: entry.request.body.toString("utf8") };
}

beforeAll(async () => {
  video = (await generateTestPattern()) ?? "";
  if (!video) throw new Error("these tests need ffmpeg at /usr/bin/ffmpeg");
  h = await startHarness({ SIP_PORT: await freePort() }, { inviteTimeoutMs: 1500 });
  // The relay's side of media.close: record what signaling tells it.
  relayResponder = h.bus.reply(mediaClose, { clusterId: h.clusterId }, (request) => {
    closes.push(request);
    return { closed: true };
  });
});

afterAll(async () => {
  relayResponder?.unsubscribe();
  for (const close of receivers) close();
  await Promise.all(responders.map((r) => r.close()));
  await h?.close();
  if (video) await rm(dirname(video), { recursive: true, force: true });
});

describe("sip.invite over UDP (GB/T 28181 §9.2)", () => {
  it("sends a GB SDP offer, reports the device's own SSRC, ACKs, and PS over RTP reaches the relay's port", async () => {
    const { device, responder, channelId } = await streamingDevice({ answerSsrc: "0123459999", audio: true });
    const rtp = await udpReceiver();
    const ssrc = offeredSsrc();
    const reply = await invite(channelId, rtp.port, "udp", { deviceId: device.deviceId, ssrc });

    const { request, sdp } = inviteOf(device);
    expect(request.uri).toMatch(new RegExp(`^sip:${channelId}@`));
    expect(getHeader(request, "Subject")).toBe(`${channelId}:${ssrc},${SERVER_ID}:0`);
    expect(getHeader(request, "Content-Type")?.toLowerCase()).toBe("application/sdp");
    expect(sdp).toContain("s=Play\r\n");
    expect(sdp).toContain(`c=IN IP4 127.0.0.1\r\n`);
    expect(sdp).toContain(`m=video ${rtp.port} RTP/AVP 96`);
    expect(sdp).toContain("a=recvonly\r\n");
    expect(sdp).toContain("a=rtpmap:96 PS/90000\r\n");
    expect(sdp).toContain(`y=${ssrc}\r\n`);
    expect(sdp).toContain("f=\r\n");
    expect(sdp).not.toContain("a=setup");

    expect(reply.deviceSsrc).toBe("0123459999");
    expect(reply.deviceSsrc).not.toBe(ssrc);
    expect(reply.deviceIp).toBe("127.0.0.1");
    expect(reply.devicePort).toBeGreaterThan(0);
    expect(device.mediaCallIds).toContain(reply.callId);
    // The ACK is what starts the stream.
    await waitFor(() => responder.active.length === 1, 3000, "the ACK");

    await waitFor(() => rtp.frames.some((f) => f.kind === "video" && f.keyframe) && rtp.frames.some((f) => f.kind === "audio"), 6000, "video and audio frames");
    const videoFrame = rtp.frames.find((f) => f.kind === "video" && f.keyframe);
    expect(videoFrame?.codec).toBe("H264");
    expect(rtp.frames.find((f) => f.kind === "audio")?.codec).toBe("G711A");
    expect([...rtp.ssrcs]).toEqual([123459999]);
  });

  it("finds the NVR that reported a channel when the request names no device", async () => {
    const { device, responder } = await streamingDevice({}, { channels: 3 });
    const channelId = device.channels[2]!.id;
    const rtp = await udpReceiver();
    const reply = await invite(channelId, rtp.port, "udp");
    expect(inviteOf(device).request.uri).toMatch(new RegExp(`^sip:${channelId}@`));
    expect(reply.deviceSsrc).toMatch(/^\d{10}$/);
    await waitFor(() => responder.active.some((s) => s.channelId === channelId), 3000, "the stream");
  });

  it("sends RTP with a different SSRC than answered when the device lies (the relay's mismatch path)", async () => {
    const { device, channelId } = await streamingDevice({ rtpSsrc: 42 });
    const rtp = await udpReceiver();
    const reply = await invite(channelId, rtp.port, "udp", { deviceId: device.deviceId });
    await waitFor(() => rtp.packets() > 0, 3000, "RTP");
    expect(Number(reply.deviceSsrc)).not.toBe(42);
    expect([...rtp.ssrcs]).toEqual([42]);
  });
});

describe("sip.invite over TCP (RFC 4571 framing)", () => {
  it("tcp-passive: offers a=setup:passive, and the device connects to the relay's port", async () => {
    const { device, channelId } = await streamingDevice();
    const collector = frameCollector();
    const server: Server = createServer((socket) => socket.on("data", collector.feed));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    receivers.push(() => server.close());
    const port = (server.address() as { port: number }).port;
    await invite(channelId, port, "tcp-passive", { deviceId: device.deviceId });

    const { sdp } = inviteOf(device);
    expect(sdp).toContain(`m=video ${port} TCP/RTP/AVP 96`);
    expect(sdp).toContain("a=setup:passive\r\n");
    expect(sdp).toContain("a=connection:new\r\n");
    await waitFor(() => collector.frames.some((f) => f.kind === "video" && f.keyframe), 6000, "frames over TCP");
  });

  it("tcp-active: offers a=setup:active and reports where the device listens; the relay connects there", async () => {
    const { device, channelId } = await streamingDevice();
    const reply = await invite(channelId, 9, "tcp-active", { deviceId: device.deviceId });
    const { sdp } = inviteOf(device);
    expect(sdp).toContain("TCP/RTP/AVP");
    expect(sdp).toContain("a=setup:active\r\n");
    expect(sdp).toContain("a=connection:new\r\n");
    expect(reply.deviceIp).toBe("127.0.0.1");
    expect(reply.devicePort).toBeGreaterThan(0);

    const collector = frameCollector();
    const socket: Socket = connect({ host: reply.deviceIp!, port: reply.devicePort! });
    socket.on("data", collector.feed);
    receivers.push(() => socket.destroy());
    await waitFor(() => collector.frames.some((f) => f.kind === "video" && f.keyframe), 6000, "frames over TCP");
  });
});

describe("sip.invite failures", () => {
  it("answers sip_486 when the device is busy", async () => {
    const { device, channelId } = await streamingDevice({ refuseInvite: 486 });
    const failure = await invite(channelId, 30000, "udp", { deviceId: device.deviceId }).catch((err: unknown) => err);
    expect(remoteCode(failure)).toBe("sip_486");
    expect((failure as Error).message).toMatch(/486/);
  });

  it("answers sip_timeout and CANCELs when the device stays at 100 Trying", async () => {
    const silent: MediaResponder = { answerInvite: () => new Promise(() => undefined) };
    const { device, channelId } = await streamingDevice({}, { responder: silent });
    const startedAt = Date.now();
    const failure = await invite(channelId, 30000, "udp", { deviceId: device.deviceId }).catch((err: unknown) => err);
    expect(remoteCode(failure)).toBe("sip_timeout");
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1400);
    await waitFor(() => device.journal.some((e) => e.method === "CANCEL"), 3000, "the CANCEL");
  });

  it("answers device_offline for a device that is not registered", async () => {
    const deviceId = deviceCode(h.domain, "132", 9_999_000);
    const failure = await invite(`${deviceId.slice(0, 10)}1319999000`, 30000, "udp", { deviceId }).catch((err: unknown) => err);
    expect(remoteCode(failure)).toBe("device_offline");
  });

  it("answers device_offline for a channel no registered device reports", async () => {
    const failure = await invite(deviceCode(h.domain, "132", 9_999_001), 30000, "udp").catch((err: unknown) => err);
    expect(remoteCode(failure)).toBe("device_offline");
  });
});

describe("hanging up", () => {
  it("sip.bye sends BYE to the device and its stream stops", async () => {
    const { device, responder, channelId } = await streamingDevice();
    const rtp = await udpReceiver();
    const reply = await invite(channelId, rtp.port, "udp", { deviceId: device.deviceId });
    await waitFor(() => rtp.packets() > 0, 3000, "RTP");
    const stopped = new Promise<string>((resolve) => responder.once("stopped", (_key, reason) => resolve(reason)));
    expect(await h.bus.request(sipBye, { clusterId: h.clusterId }, { callId: reply.callId, streamId: channelId })).toEqual({ sent: true });
    expect(await stopped).toBe("BYE");
    expect(device.journal.some((e) => e.method === "BYE" && getHeader(e.request, "Call-ID") === reply.callId)).toBe(true);
    await sleep(200);
    const after = rtp.packets();
    await sleep(300);
    expect(rtp.packets()).toBe(after);
    // The dialog is gone: a second BYE has nothing to end.
    expect(await h.bus.request(sipBye, { clusterId: h.clusterId }, { callId: reply.callId })).toEqual({ sent: false });
  });

  it("a BYE from the device is answered 200 and the relay gets media.close for the stream", async () => {
    const { device, channelId } = await streamingDevice();
    const rtp = await udpReceiver();
    const reply = await invite(channelId, rtp.port, "udp", { deviceId: device.deviceId });
    expect(await device.endStream(reply.callId)).toBe(200);
    await waitFor(() => closes.some((c) => c.streamId === channelId), 3000, "media.close");
    expect(await h.bus.request(sipBye, { clusterId: h.clusterId }, { callId: reply.callId })).toEqual({ sent: false });
  });

  it("a device that unregisters ends its calls and the relay is told", async () => {
    const { device, channelId } = await streamingDevice();
    const rtp = await udpReceiver();
    await invite(channelId, rtp.port, "udp", { deviceId: device.deviceId });
    await device.stop();
    await waitFor(() => closes.some((c) => c.streamId === channelId), 3000, "media.close");
    expect(closes.find((c) => c.streamId === channelId)?.reason).toMatch(/offline/);
  });

  it("keeps dialogs in Redis: a restarted server can still hang up", async () => {
    const { device, responder, channelId } = await streamingDevice();
    const rtp = await udpReceiver();
    const reply = await invite(channelId, rtp.port, "udp", { deviceId: device.deviceId });
    await h.restartServer();
    const stopped = new Promise<string>((resolve) => responder.once("stopped", (_key, reason) => resolve(reason)));
    expect(await h.bus.request(sipBye, { clusterId: h.clusterId }, { callId: reply.callId })).toEqual({ sent: true });
    expect(await stopped).toBe("BYE");
  });
});

describe("the offer's SDP parses as GB SDP", () => {
  it("round-trips through parseGbSdp with the relay's address, port and SSRC", async () => {
    const { device, channelId } = await streamingDevice();
    const rtp = await udpReceiver();
    const ssrc = offeredSsrc();
    await invite(channelId, rtp.port, "udp", { deviceId: device.deviceId, ssrc });
    const parsed = parseGbSdp(inviteOf(device).sdp);
    expect(parsed).toMatchObject({ ok: true, sessionName: "Play", ssrc, media: { ip: "127.0.0.1", port: rtp.port, transport: "udp", direction: "recvonly" } });
  });
});
