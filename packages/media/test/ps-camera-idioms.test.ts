import { beforeAll, describe, expect, it } from "vitest";
import { splitAdtsFrames } from "../src/codec/aac.js";
import type { AudioFrame, Frame, VideoCodec, VideoFrame } from "../src/frame.js";
import { crc32Mpeg } from "../src/ps/crc32.js";
import { PsDemuxer } from "../src/ps/demuxer.js";
import { buildPackHeader } from "../src/ps/pack-header.js";
import { PsRtpReceiver } from "../src/ps/rtp-receiver.js";
import { buildSystemHeader } from "../src/ps/system-header.js";
import { writePesTimestamp } from "../src/ps/timestamp.js";
import { RtpPacketizer } from "../src/rtp/packetizer.js";
import { demuxed, FRAME_TICKS, g711Frames, videoFrames } from "./frames.js";
import { encodeTestAudio, encodeTestVideo } from "./media-tools.js";

/**
 * PS layouts real GB28181 devices send, rebuilt with our own bytes around real encoded pictures.
 * Each test names the idiom and where the fact comes from (public issue, or the public code that
 * works around it).
 */

let h264: VideoFrame[];
let h265: VideoFrame[];
let aac: Buffer[];

beforeAll(() => {
  h264 = videoFrames("H264", encodeTestVideo("H264", 320, 240, 2), 2 ** 32 + 90_000);
  h265 = videoFrames("H265", encodeTestVideo("H265", 320, 240, 2));
  aac = splitAdtsFrames(encodeTestAudio("adts", 2));
});

// ---- hand-written PS building blocks ---------------------------------------------------------

/** Pack header with `stuffing` as pack_stuffing bytes (whatever the firmware puts there). */
function packHeader(scr: number, stuffing: readonly number[] = []): Buffer {
  const header = buildPackHeader(scr);
  header[13] = 0xf8 | stuffing.length;
  return Buffer.concat([header, Buffer.from(stuffing)]);
}

interface PesOptions {
  pts?: number;
  dts?: number;
  /** Bytes after the timestamps inside PES_header_data_length. */
  stuffing?: readonly number[];
  /** PES_packet_length 0 ("unbounded"). */
  unbounded?: boolean;
}

function pes(streamId: number, payload: Buffer, options: PesOptions = {}): Buffer {
  const { pts, dts, stuffing = [], unbounded = false } = options;
  const withDts = pts !== undefined && dts !== undefined && dts !== pts;
  const timestampBytes = pts === undefined ? 0 : withDts ? 10 : 5;
  const headerDataLength = timestampBytes + stuffing.length;
  const out = Buffer.alloc(9 + headerDataLength + payload.length);
  out.writeUInt32BE(0x100 | streamId, 0);
  const length = 3 + headerDataLength + payload.length;
  if (!unbounded && length > 0xffff) throw new RangeError("PES too long");
  out.writeUInt16BE(unbounded ? 0 : length, 4);
  out[6] = 0x8c; // '10', data_alignment_indicator and copyright set, as Hikvision writes
  out[7] = pts === undefined ? 0 : withDts ? 0xc0 : 0x80;
  out[8] = headerDataLength;
  if (pts !== undefined) writePesTimestamp(out, 9, withDts ? 0b0011 : 0b0010, pts);
  if (withDts) writePesTimestamp(out, 14, 0b0001, dts);
  out.set(stuffing, 9 + timestampBytes);
  out.set(payload, 9 + headerDataLength);
  return out;
}

interface PsmStream {
  streamType: number;
  streamId: number;
  descriptors?: readonly number[];
}

/** PSM with program and elementary-stream descriptors; `esMapLength` overrides the field (firmware bug). */
function psm(streams: readonly PsmStream[], programDescriptors: readonly number[] = [], esMapLength?: number): Buffer {
  const map = Buffer.concat(
    streams.map((s) => {
      const descriptors = s.descriptors ?? [];
      return Buffer.from([s.streamType, s.streamId, descriptors.length >> 8, descriptors.length & 0xff, ...descriptors]);
    }),
  );
  const body = Buffer.concat([
    Buffer.from([0xfc, 0xff, programDescriptors.length >> 8, programDescriptors.length & 0xff, ...programDescriptors]),
    Buffer.from([(esMapLength ?? map.length) >> 8, (esMapLength ?? map.length) & 0xff]),
    map,
  ]);
  const head = Buffer.from([0, 0, 1, 0xbc, (body.length + 4) >> 8, (body.length + 4) & 0xff]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32Mpeg(Buffer.concat([head, body])));
  return Buffer.concat([head, body, crc]);
}

/** Vendor descriptors in the spirit of Hikvision's ("HK" tagged 0x40/0x41 program info, 0x42 + AVC timing 0x2A per stream). */
const VENDOR_PROGRAM_INFO = [0x40, 0x06, 0x48, 0x4b, 0x01, 0x00, 0x20, 0x24, 0x41, 0x04, 0x48, 0x4b, 0x00, 0x01];
const VENDOR_VIDEO_INFO = [0x42, 0x04, 0x07, 0x10, 0x01, 0x40, 0x2a, 0x02, 0x7f, 0xff];
const VENDOR_AUDIO_INFO = [0x43, 0x03, 0x00, 0x90, 0xfe];

const systemHeader = buildSystemHeader([
  { streamId: 0xe0, bufferBytes: 128 * 1024 },
  { streamId: 0xc0, bufferBytes: 1024 },
  { streamId: 0xbd, bufferBytes: 128 * 1024 },
  { streamId: 0xbf, bufferBytes: 128 * 1024 },
]);

/** An access unit cut before each 4-byte start code: one NAL per piece, as Hikvision sends one NAL per PES. */
function nalPieces(data: Buffer): Buffer[] {
  const starts: number[] = [];
  for (let i = data.indexOf(START_CODE_4); i >= 0; i = data.indexOf(START_CODE_4, i + 4)) starts.push(i);
  return starts.map((start, i) => data.subarray(start, starts[i + 1] ?? data.length));
}
const START_CODE_4 = Buffer.from([0, 0, 0, 1]);

/** `data` in pieces of at most `size` bytes. */
function chunks(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += size) out.push(data.subarray(offset, offset + size));
  return out;
}

/** A camera's RTP sender: ~1400-byte payloads, one sequence counter for everything it sends. */
class CameraRtp {
  private readonly packetizer = new RtpPacketizer({ ssrc: 0x0200005452 % 2 ** 32, maxPayloadBytes: 1400, initialSequenceNumber: 65530 });

  send(payload: Buffer, timestamp: number, marker: boolean): Buffer[] {
    const packets = this.packetizer.packetize(payload, timestamp);
    if (!marker) packets.forEach((p) => (p[1] = p[1]! & 0x7f));
    return packets;
  }
}

function receive(packets: readonly Buffer[], receiver = new PsRtpReceiver()): Frame[] {
  return [...packets.flatMap((p, i) => receiver.push(p, i)), ...receiver.flush()];
}

function demuxAll(chunkList: readonly Buffer[], demuxer = new PsDemuxer()): Frame[] {
  return [...chunkList.flatMap((c) => demuxer.push(c)), ...demuxer.endFrame()];
}

const videoOf = (frames: readonly Frame[]) => frames.filter((f): f is VideoFrame => f.kind === "video");
const audioOf = (frames: readonly Frame[]) => frames.filter((f): f is AudioFrame => f.kind === "audio");

/** A frame with AUD (and optionally other NALs) put in front, as encoders configured for it emit. */
function withPrefix(frame: VideoFrame, ...nals: number[][]): VideoFrame {
  return { ...frame, data: Buffer.concat([...nals.map((n) => Buffer.from([0, 0, 0, 1, ...n])), frame.data]) };
}
const H264_AUD = [0x09, 0xf0];
const H264_SEI = [0x06, 0x05, 0x10, ...Array<number>(16).fill(0x5a), 0x80];
const H265_AUD = [0x46, 0x01, 0x50];

/** Standard layout (pack, system header + PSM on keyframes, one PES per ≤ 64 KiB) with a chosen pack stuffing. */
function plainPack(frame: VideoFrame, streamType: number, stuffing: readonly number[] = [], withPsm = frame.keyframe): Buffer {
  const parts = [packHeader(frame.dts, stuffing)];
  if (withPsm) parts.push(systemHeader, psm([{ streamType, streamId: 0xe0 }, { streamType: 0x90, streamId: 0xc0 }]));
  chunks(frame.data, 60_000).forEach((chunk, i) => parts.push(pes(0xe0, chunk, i === 0 ? { pts: frame.pts, dts: frame.dts } : {})));
  return Buffer.concat(parts);
}

// ---- Hikvision live stream ------------------------------------------------------------------

/**
 * Hikvision live layout, from the camera capture in ossrs/srs trunk/src/utest/srs_utest_kernel2.cpp
 * (PsPacketDecodeNormal): 6 stuffing bytes in the pack header ending in a frame counter; system
 * header (listing 0xBD/0xBF) and a PSM with "HK" program descriptors and per-stream descriptors
 * before keyframes only; one NAL per PES, PTS on the first only, PES headers padded with non-0xFF
 * bytes (ff fc / ff f8); a 0xBD private PES carrying the frame's PTS after every frame (ignored by
 * ZLMediaKit/ZLMediaKit#992 and ireader/media-server#272).
 */
function hikvisionFrame(frame: VideoFrame, counter: number, videoType: number, audioType: number): Buffer {
  const parts = [packHeader(frame.dts, [0xff, 0xff, 0x00, 0x00, 0xa0 | ((counter >> 8) & 0x0f), counter & 0xff])];
  if (frame.keyframe) {
    parts.push(
      systemHeader,
      psm(
        [
          { streamType: videoType, streamId: 0xe0, descriptors: VENDOR_VIDEO_INFO },
          { streamType: audioType, streamId: 0xc0, descriptors: VENDOR_AUDIO_INFO },
        ],
        VENDOR_PROGRAM_INFO,
      ),
    );
  }
  const pieces = nalPieces(frame.data).flatMap((nal) => chunks(nal, 0xffff - 3 - 3));
  pieces.forEach((piece, i) => parts.push(i === 0 ? pes(0xe0, piece, { pts: frame.pts, stuffing: [0xff, 0xfc] }) : pes(0xe0, piece, { stuffing: [0xff, 0xff, 0xf8] })));
  // Private trailer: bytes that look like a pack start (ZLMediaKit/ZLMediaKit#2409) must be skipped by length.
  const privateData = Buffer.from([0x00, 0x02, 0x00, 0x17, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0xba, 0x44, 0x00, 0x04, 0x00, 0x80]);
  parts.push(pes(0xbd, privateData, { pts: frame.pts, stuffing: [0xff, 0xf8] }));
  return Buffer.concat(parts);
}

describe("Hikvision live stream", () => {
  it("H.264 + AAC: NAL-per-PES, padded PES headers, 0xBD trailers, audio PES without pack header in its own RTP packet, no marker bit", () => {
    const rtp = new CameraRtp();
    const audio: AudioFrame[] = aac.slice(0, 60).map((data, i) => {
      const pts = h264[0]!.pts + i * 5760; // 1024 samples at 16 kHz
      return { kind: "audio", codec: "AAC", pts, dts: pts, data, keyframe: true };
    });
    const packets: Buffer[] = [];
    let nextAudio = 0;
    h264.forEach((frame, i) => {
      const rtpTimestamp = i * FRAME_TICKS; // RTP clock unrelated to the PES clock, as in the capture
      // Audio due before this frame goes out first, in the RTP timestamp of this frame (as in the capture).
      for (; nextAudio < audio.length && audio[nextAudio]!.pts < frame.pts; nextAudio++) {
        const a = audio[nextAudio]!;
        packets.push(...rtp.send(pes(0xc0, a.data, { pts: a.pts, stuffing: [0xff, 0xff, 0xff, 0xf8] }), rtpTimestamp, false));
      }
      packets.push(...rtp.send(hikvisionFrame(frame, i, 0x1b, 0x0f), rtpTimestamp, false));
    });
    const receiver = new PsRtpReceiver();
    const out = receive(packets, receiver);
    expect(videoOf(out)).toEqual(demuxed(h264));
    expect(audioOf(out)).toEqual(audio.slice(0, nextAudio));
    const { demux } = receiver.stats;
    expect(demux).toMatchObject({ privateStreamPackets: h264.length, unknownStreamIds: h264.length, garbageBytes: 0, malformedPackets: 0, truncatedPackets: 0, droppedFrames: 0 });
    expect(receiver.demuxer.streams.get(0xc0)).toBe("AAC");
  });

  it("H.265 with AUD, VPS/SPS/PPS and prefix SEI, PSM type 0x24, fed one byte at a time", () => {
    const frames = h265.slice(0, 12).map((f) => withPrefix(f, H265_AUD));
    const stream = Buffer.concat(frames.map((f, i) => hikvisionFrame(f, i, 0x24, 0x90)));
    const demuxer = new PsDemuxer();
    expect(demuxAll(chunks(stream, 1), demuxer)).toEqual(demuxed(frames));
    expect(demuxer.videoParameters).toMatchObject({ codec: "H265", width: 320, height: 240 });
    expect(demuxer.stats).toMatchObject({ garbageBytes: 0, malformedPackets: 0, privateStreamPackets: frames.length });
  });
});

// ---- pack and map quirks ---------------------------------------------------------------------

describe("pack header and PSM quirks", () => {
  it("pack stuffing that is not 0xFF and even contains 00 00 01 (Tiandy-style, ZLMediaKit/ZLMediaKit#2325 and #2805)", () => {
    const stuffings = [
      [0xff, 0xff, 0x00, 0x00, 0x01, 0xaf],
      [0xff, 0xff, 0x00, 0x00, 0x00, 0x02],
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    ];
    const frames = h264.slice(0, 10);
    const stream = Buffer.concat(frames.map((f, i) => plainPack(f, 0x1b, stuffings[i % 3])));
    for (const size of [1, 7, 1400]) {
      const demuxer = new PsDemuxer();
      expect(demuxAll(chunks(stream, size), demuxer)).toEqual(demuxed(frames));
      expect(demuxer.stats).toMatchObject({ garbageBytes: 0, packs: frames.length });
    }
  });

  it("a bare pack start code before the video PES, 00 00 01 BA 00 00 01 E0 (Hikvision H.265, ireader/media-server mpeg-ps-dec.c)", () => {
    const frames = h265.slice(0, 5);
    const stream = Buffer.concat(frames.map((f) => Buffer.concat([Buffer.from([0, 0, 1, 0xba]), plainPack(f, 0x24)])));
    const demuxer = new PsDemuxer();
    expect(demuxAll(chunks(stream, 1400), demuxer)).toEqual(demuxed(frames));
    expect(demuxer.stats.garbageBytes).toBe(4 * frames.length);
  });

  it("a PSM whose elementary_stream_map_length is wrong: the map runs to the CRC (ireader/media-server mpeg-psm.c: trust psm_length)", () => {
    // 40 ms G.711 µ-law PES of 320 bytes, stream type 0x91 (GB/T 28181 Annex C; TP-LINK sends 0x90, ZLMediaKit/ZLMediaKit#4658).
    const audio = chunks(encodeTestAudio("mulaw", 1), 320).map((data, i): AudioFrame => ({ kind: "audio", codec: "G711U", pts: 90_000 + i * 3600, dts: 90_000 + i * 3600, data, keyframe: true }));
    for (const esMapLength of [0xfff0, 0]) {
      const map = psm([{ streamType: 0x91, streamId: 0xc0, descriptors: VENDOR_AUDIO_INFO }], VENDOR_PROGRAM_INFO, esMapLength);
      const stream = Buffer.concat([packHeader(0), map, ...audio.map((a) => Buffer.concat([packHeader(a.dts), pes(0xc0, a.data, { pts: a.pts })]))]);
      const demuxer = new PsDemuxer();
      expect(demuxAll(chunks(stream, 1400), demuxer)).toEqual(audio);
      expect(demuxer.stats.malformedPackets).toBe(0);
    }
  });

  it("stream types we do not carry (0x80 SVAC video, 0x99 G.729; hongch911/WiresharkPlugin rtp_ps_no_assemble.lua, TRockis/mpeg2 StreamType.h) are counted, not probed", () => {
    const frames = h264.slice(0, 3);
    const map = psm([
      { streamType: 0x80, streamId: 0xe0 },
      { streamType: 0x99, streamId: 0xc0 },
    ]);
    const stream = Buffer.concat(frames.map((f) => Buffer.concat([packHeader(f.dts), map, pes(0xe0, f.data, { pts: f.pts }), pes(0xc0, Buffer.alloc(20, 0x55), { pts: f.pts })])));
    const demuxer = new PsDemuxer();
    expect(demuxAll([stream], demuxer)).toEqual([]);
    expect(demuxer.stats).toMatchObject({ unknownStreamIds: 2 * frames.length, garbageBytes: 0, malformedPackets: 0 });
  });
});

// ---- codec detection -------------------------------------------------------------------------

describe("codec detection", () => {
  it("no PSM at all and the stream joined mid-GOP at an H.265 P-frame (ZLMediaKit/ZLMediaKit#266: Hikvision H.265 first judged H.264)", () => {
    const frames = h265.slice(5, 30);
    const stream = frames.map((f) => plainPack(f, 0x24, [], false));
    const demuxer = new PsDemuxer();
    const out = demuxAll(stream, demuxer);
    expect(out).toEqual(demuxed(frames));
    expect(out.every((f) => f.codec === "H265")).toBe(true);
    expect(demuxer.stats.unknownStreamIds).toBe(0);
  });

  it("a PSM declaring H.264 (0x1B) over H.265 data (ZLMediaKit/ZLMediaKit#1192)", () => {
    const frames = h265.slice(0, 10);
    const demuxer = new PsDemuxer();
    expect(demuxAll(frames.map((f) => plainPack(f, 0x1b)), demuxer)).toEqual(demuxed(frames));
    expect(demuxer.videoParameters).toMatchObject({ codec: "H265", width: 320, height: 240 });
  });

  it("H.264 access units opening with AUD and SEI before the SPS, and no PSM", () => {
    const frames = h264.slice(0, 26).map((f) => withPrefix(f, H264_AUD, H264_SEI));
    const out = demuxAll(frames.map((f) => plainPack(f, 0x1b, [], false)));
    expect(out).toEqual(demuxed(frames));
    expect(videoOf(out).map((f) => f.keyframe)).toEqual(frames.map((f) => f.keyframe));
    expect(videoOf(out).filter((f) => f.keyframe)).toHaveLength(2);
  });
});

// ---- PES quirks ------------------------------------------------------------------------------

describe("PES quirks", () => {
  /** Whole frame in one video PES with PES_packet_length 0, then a G.711 PES in the same pack. */
  function unboundedPack(frame: VideoFrame, audio: AudioFrame | undefined, codec: VideoCodec): Buffer {
    const parts = [packHeader(frame.dts)];
    if (frame.keyframe) parts.push(psm([{ streamType: codec === "H264" ? 0x1b : 0x24, streamId: 0xe0 }, { streamType: 0x90, streamId: 0xc0 }]));
    parts.push(pes(0xe0, frame.data, { pts: frame.pts, unbounded: true }));
    if (audio !== undefined) parts.push(pes(0xc0, audio.data, { pts: audio.pts }));
    return Buffer.concat(parts);
  }

  it("video PES_packet_length 0, frames over 64 KiB included (ireader/media-server#35, MPEG_ZERO_PAYLOAD_LENGTH in mpeg-ps-dec.c)", () => {
    const audio = g711Frames("G711A", encodeTestAudio("alaw", 2), h264[0]!.pts);
    const big: VideoFrame = { ...h264[1]!, data: Buffer.concat([h264[1]!.data, Buffer.alloc(150_000, 0x5a)]) };
    const frames = [h264[0]!, big, ...h264.slice(2, 30)];
    const rtp = new CameraRtp();
    const packets = frames.flatMap((f, i) => rtp.send(unboundedPack(f, audio[i], "H264"), f.dts, true));
    const receiver = new PsRtpReceiver();
    const out = receive(packets, receiver);
    expect(videoOf(out)).toEqual(demuxed(frames));
    expect(audioOf(out)).toEqual(audio.slice(0, frames.length));
    expect(receiver.stats.demux).toMatchObject({ garbageBytes: 0, malformedPackets: 0, truncatedPackets: 0 });
  });

  it("video PES_packet_length 0 fed one byte at a time, H.265, ending at the end of the stream", () => {
    const frames = h265.slice(0, 4);
    const stream = Buffer.concat(frames.map((f) => unboundedPack(f, undefined, "H265")));
    const demuxer = new PsDemuxer();
    expect(demuxAll(chunks(stream, 1), demuxer)).toEqual(demuxed(frames));
    expect(demuxer.stats).toMatchObject({ garbageBytes: 0, pesPackets: frames.length });
  });

  it("PES headers with DTS and stuffing, several frames in one RTP timestamp told apart by PTS", () => {
    // ireader/media-server mpeg-ps-dec.c splits video by PTS/DTS, not by transport boundaries.
    const frames = h264.slice(0, 12).map((f) => ({ ...f, pts: f.dts + 2 * FRAME_TICKS }));
    const rtp = new CameraRtp();
    const packets = [0, 4, 8].flatMap((first) => {
      const group = frames.slice(first, first + 4);
      const payload = Buffer.concat(group.map((f) => Buffer.concat([packHeader(f.dts), pes(0xe0, f.data, { pts: f.pts, dts: f.dts, stuffing: [0xff, 0xff, 0xff] })])));
      return rtp.send(payload, group[0]!.dts, false);
    });
    expect(receive(packets)).toEqual(demuxed(frames));
  });

  it("no PTS on any PES and no marker bit: one frame per RTP timestamp, timed by it (ZLMediaKit/ZLMediaKit#2647: some cameras set no marker)", () => {
    const frames = h264.slice(0, 8);
    const rtp = new CameraRtp();
    const packets = frames.flatMap((f, i) => {
      const payload = Buffer.concat([packHeader(f.dts), ...chunks(f.data, 3000).map((c) => pes(0xe0, c, { stuffing: [0xff] }))]);
      return rtp.send(payload, 1000 + i * FRAME_TICKS, false);
    });
    const expected = frames.map((f, i) => ({ ...f, pts: 1000 + i * FRAME_TICKS, dts: 1000 + i * FRAME_TICKS }));
    expect(receive(packets)).toEqual(demuxed(expected));
  });
});

// ---- RTP-level idioms ------------------------------------------------------------------------

describe("RTP-level idioms", () => {
  it("G.711 audio RTP packets of their own timestamp between the packets of one video frame (ZLMediaKit/ZLMediaKit#2647, ossrs/srs#2022)", () => {
    const audio = g711Frames("G711A", encodeTestAudio("alaw", 2), 0);
    const frames = h264.slice(0, 40).map((f, i) => ({ ...f, pts: i * FRAME_TICKS, dts: i * FRAME_TICKS }));
    const rtp = new CameraRtp();
    const packets: Buffer[] = [];
    let nextAudio = 0;
    for (const frame of frames) {
      const video = chunks(plainPack(frame, 0x1b), 1400);
      video.forEach((payload, i) => {
        packets.push(...rtp.send(payload, frame.dts, i === video.length - 1));
        // After the first video packet, slip in the audio due by now, marked as a complete audio frame.
        if (i === 0) {
          for (; nextAudio < audio.length && audio[nextAudio]!.pts <= frame.pts; nextAudio++) {
            const a = audio[nextAudio]!;
            // The audio RTP clock runs apart from the video one; the camera marks each audio packet.
            packets.push(...rtp.send(Buffer.concat([packHeader(a.dts), pes(0xc0, a.data, { pts: a.pts })]), a.pts + 7, true));
          }
        }
      });
    }
    const receiver = new PsRtpReceiver();
    const out = receive(packets, receiver);
    expect(videoOf(out)).toEqual(demuxed(frames));
    expect(audioOf(out)).toEqual(audio.slice(0, nextAudio));
    expect(receiver.stats.demux).toMatchObject({ droppedFrames: 0, truncatedPackets: 0, garbageBytes: 0 });
  });

  it("joining mid-frame: payloads that do not start at a pack boundary are skipped until the next pack", () => {
    const frames = h264.slice(0, 10);
    const rtp = new CameraRtp();
    const perFrame = frames.map((f) => rtp.send(plainPack(f, 0x1b), f.dts, true));
    expect(perFrame[0]!.length).toBeGreaterThan(2);
    const packets = [...perFrame[0]!.slice(2), ...perFrame.slice(1).flat()];
    const receiver = new PsRtpReceiver();
    const out = receive(packets, receiver);
    expect(out).toEqual(demuxed(frames.slice(1)));
    expect(receiver.stats.demux.garbageBytes).toBeGreaterThan(0);
  });
});
