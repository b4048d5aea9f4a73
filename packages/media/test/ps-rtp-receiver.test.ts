import { beforeAll, describe, expect, it } from "vitest";
import type { Frame, VideoFrame } from "../src/frame.js";
import { PsRtpReceiver } from "../src/ps/rtp-receiver.js";
import { PsMuxer } from "../src/ps/muxer.js";
import { parseRtp } from "../src/rtp/packet.js";
import { RtpPacketizer } from "../src/rtp/packetizer.js";
import { demuxed, g711Frames, interleave, videoFrames } from "./frames.js";
import { encodeTestAudio, encodeTestVideo } from "./media-tools.js";

let video: VideoFrame[];
let frames: Frame[];

beforeAll(() => {
  video = videoFrames("H264", encodeTestVideo("H264", 640, 360, 2));
  frames = interleave(video, g711Frames("G711A", encodeTestAudio("alaw", 2)));
});

function packetize(input: readonly Frame[], initialSequenceNumber = 65000): Buffer[] {
  const muxer = new PsMuxer({ video: "H264", audio: "G711A" });
  const packetizer = new RtpPacketizer({ ssrc: 0x0100000001 % 2 ** 32, initialSequenceNumber });
  return input.flatMap((frame) => packetizer.packetize(muxer.mux(frame), frame.dts));
}

/** Displaces packets by up to `reach` positions, as a multipath network would. */
function shuffleLocally<T>(items: readonly T[], reach: number): T[] {
  const keyed = items.map((item, i) => ({ item, key: i + Math.random() * reach }));
  return keyed.sort((a, b) => a.key - b.key).map((k) => k.item);
}

function receive(packets: readonly Buffer[], receiver = new PsRtpReceiver()): Frame[] {
  const out = packets.flatMap((p) => receiver.push(p, 0));
  return [...out, ...receiver.flush()];
}

describe("RtpPacketizer", () => {
  it("keeps payloads within the limit, shares the frame timestamp and marks the last packet", () => {
    const packetizer = new RtpPacketizer({ ssrc: 42, maxPayloadBytes: 1000, initialSequenceNumber: 65535 });
    const packets = packetizer.packetize(Buffer.alloc(2500), 2 ** 33 - 1).map((p) => parseRtp(p));
    const parsed = packets.map((r) => (r.ok ? r.packet : undefined));
    expect(parsed.map((p) => p?.payload.length)).toEqual([1000, 1000, 500]);
    expect(parsed.map((p) => p?.sequenceNumber)).toEqual([65535, 0, 1]);
    expect(parsed.map((p) => p?.marker)).toEqual([false, false, true]);
    expect(parsed.every((p) => p?.timestamp === (2 ** 33 - 1) % 2 ** 32 && p.ssrc === 42 && p.payloadType === 96)).toBe(true);
  });
});

describe("PsRtpReceiver", () => {
  it("round-trips H.264 + G.711 frames through PS mux, RTP, shuffling, reorder and PS demux", () => {
    const packets = packetize(frames);
    const receiver = new PsRtpReceiver();
    const out = receive(shuffleLocally(packets, 6), receiver);
    expect(out.filter((f) => f.kind === "video")).toEqual(demuxed(video));
    expect(out.filter((f) => f.kind === "audio")).toEqual(frames.filter((f) => f.kind === "audio"));
    expect(receiver.stats.reorder.lost).toBe(0);
    expect(receiver.demuxer.videoParameters).toMatchObject({ width: 640, height: 360 });
  });

  it("delivers a stream that starts at a pack header after the short start hold, not the reorder latency", () => {
    const receiver = new PsRtpReceiver({ reorder: { maxLatencyMs: 100, startHoldMs: 10 } });
    const first = packetize(video.slice(0, 1));
    expect(first.flatMap((p) => receiver.push(p, 0))).toEqual([]);
    expect(receiver.pollDueAtMs).toBe(10);
    expect(receiver.poll(9)).toEqual([]);
    expect(receiver.poll(10)).toEqual(demuxed(video.slice(0, 1)));
    expect(receiver.pollDueAtMs).toBeUndefined();
  });

  it("ignores duplicated packets", () => {
    const packets = packetize(video.slice(0, 10));
    const receiver = new PsRtpReceiver();
    expect(receive(packets.flatMap((p) => [p, p]), receiver)).toEqual(demuxed(video.slice(0, 10)));
    expect(receiver.stats.reorder.duplicates).toBe(packets.length);
  });

  it("drops only the frame that lost a packet", () => {
    const muxer = new PsMuxer({ video: "H264" });
    const packetizer = new RtpPacketizer({ ssrc: 1, maxPayloadBytes: 60 });
    const perFrame = video.slice(0, 6).map((f) => packetizer.packetize(muxer.mux(f), f.dts));
    const victim = perFrame.findIndex((packets, i) => i > 0 && packets.length >= 3);
    expect(victim).toBeGreaterThan(0);
    perFrame[victim]!.splice(1, 1);
    const receiver = new PsRtpReceiver({ reorder: { window: 4 } });
    const out = receive(perFrame.flat(), receiver);
    expect(out).toEqual(demuxed(video.slice(0, 6).filter((_, i) => i !== victim)));
    expect(receiver.stats.reorder.lost).toBe(1);
  });

  it("counts datagrams that are not RTP by reason", () => {
    const receiver = new PsRtpReceiver();
    receiver.push(Buffer.alloc(5), 0);
    receiver.push(Buffer.from([0x80, 200, ...Array(20).fill(0)]), 0);
    expect(receiver.stats.rtpDrops).toMatchObject({ "too-short": 1, rtcp: 1 });
  });

  it("restarts cleanly when the SSRC changes", () => {
    const first = packetize(video.slice(0, 5), 100);
    const second = packetize(video.slice(25, 30), 40000).map((p) => {
      const copy = Buffer.from(p);
      copy.writeUInt32BE(0xabcdef, 8);
      return copy;
    });
    const receiver = new PsRtpReceiver();
    expect(receive([...first, ...second], receiver)).toEqual(demuxed([...video.slice(0, 5), ...video.slice(25, 30)]));
    expect(receiver.stats.ssrcChanges).toBe(1);
  });
});
