import { describe, expect, it } from "vitest";
import { FlvMuxer } from "../src/flv/muxer.js";
import { PsMuxer } from "../src/ps/muxer.js";
import { PsRtpReceiver } from "../src/ps/rtp-receiver.js";
import { buildPackHeader } from "../src/ps/pack-header.js";
import { buildPes } from "../src/ps/pes.js";
import { Rfc4571Framer } from "../src/rtp/rfc4571.js";
import { RtpPacketizer } from "../src/rtp/packetizer.js";
import { buildRtp } from "../src/rtp/packet.js";
import { g711Frames, interleave, videoFrames } from "./frames.js";
import { encodeTestAudio, encodeTestVideo } from "./media-tools.js";

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ITERATIONS = 100_000;
const MAX_FRAME_BYTES = 512 * 1024;
const WINDOW = 32;

describe("full receive chain under hostile input", () => {
  it(`survives ${ITERATIONS} random and mutated RTP/PS inputs without throwing, with bounded buffers`, () => {
    const random = prng(0x1cbc);
    const int = (n: number) => Math.floor(random() * n);
    const frames = interleave(videoFrames("H264", encodeTestVideo("H264", 320, 240, 2)), g711Frames("G711A", encodeTestAudio("alaw", 2)));
    const muxer = new PsMuxer({ video: "H264", audio: "G711A" });
    const packetizer = new RtpPacketizer({ ssrc: 5 });
    const corpus = frames.flatMap((f) => packetizer.packetize(muxer.mux(f), f.dts));

    const mutations: Array<() => Buffer> = [
      () => corpus[int(corpus.length)]!,
      () => {
        const p = Buffer.from(corpus[int(corpus.length)]!);
        for (let n = 1 + int(8); n > 0; n--) {
          const i = int(p.length);
          p[i] = p[i]! ^ (1 << int(8));
        }
        return p;
      },
      () => corpus[int(corpus.length)]!.subarray(0, int(200)),
      () => Buffer.from(Array.from({ length: int(1500) }, () => int(256))),
      () => {
        // Valid RTP around PS-shaped garbage: start codes with random ids and lengths.
        const parts: Buffer[] = [];
        for (let n = int(6); n > 0; n--) {
          parts.push(Buffer.from([0, 0, 1, 0xb9 + int(0x47), int(256), int(256)]), Buffer.alloc(int(300), int(256)));
        }
        return buildRtp({ payloadType: 96, sequenceNumber: int(65536), timestamp: int(2 ** 32), ssrc: 5, marker: random() < 0.3, payload: Buffer.concat(parts) });
      },
      () => {
        const payload = Buffer.concat([buildPackHeader(int(2 ** 33)), buildPes(0xe0, Buffer.alloc(int(2000), int(256)), random() < 0.5 ? int(2 ** 33) : undefined)]);
        return buildRtp({ payloadType: 96, sequenceNumber: int(65536), timestamp: int(2 ** 32), ssrc: random() < 0.05 ? int(2 ** 32) : 5, payload });
      },
    ];

    const receiver = new PsRtpReceiver({ reorder: { window: WINDOW, maxLatencyMs: 50 }, demuxer: { maxFrameBytes: MAX_FRAME_BYTES } });
    const flv = new FlvMuxer();
    const framer = new Rfc4571Framer("auto");
    let framesOut = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const input = mutations[int(mutations.length)]!();
      const out = [...receiver.push(input, i), ...(i % 50 === 0 ? receiver.poll(i + 100) : [])];
      for (const frame of out) {
        framesOut++;
        expect(frame.data.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
        flv.push(frame);
      }
      framer.push(input);
      expect(receiver.demuxer.bufferedBytes).toBeLessThanOrEqual(MAX_FRAME_BYTES + 6 + 0xffff + 16);
      expect(receiver.heldPackets).toBeLessThanOrEqual(WINDOW);
    }
    for (const frame of receiver.flush()) flv.push(frame);
    expect(framesOut).toBeGreaterThan(100);
    const { demux, rtpDrops } = receiver.stats;
    expect(demux.garbageBytes + demux.malformedPackets + demux.truncatedPackets).toBeGreaterThan(0);
    expect(rtpDrops["too-short"] + rtpDrops["bad-version"]).toBeGreaterThan(0);
  }, 120_000);
});
