import { spawnSync } from "node:child_process";
import { get } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FlvDemuxer, FlvReader, h265NalType, parseH265Sps, parseHevcDecoderConfig, type FlvTagData } from "@ivc/media";
import { startLiveStack, type LiveStack } from "./support/live-stack.js";

// Issue 5, H.265 live view in one process: viewer → relay → sip.invite → sip-server → INVITE →
// virtual device streaming H.265 + G.711A in PS over RTP → relay → HTTP-FLV as Enhanced RTMP v1
// (`hvc1`). ffprobe 5.1 cannot read Enhanced FLV, so the tags are checked byte by byte and the
// pictures, taken back out of the FLV, are decoded by ffprobe as a raw HEVC stream.

/** ExVideoTagHeader (Enhanced RTMP v1): bit 7 set, frame type in bits 4–6, packet type in bits 0–3. */
const EX_HEADER = 0x80;
const PACKET_SEQUENCE_START = 0;
const PACKET_CODED_FRAMES = 1;
const PACKET_CODED_FRAMES_X = 3;
const FLV_VIDEO = 9;
const FLV_AUDIO = 8;

let stack: LiveStack;
let relay: LiveStack["relay"];
let device: LiveStack["device"];
let responder: LiveStack["responder"];

beforeAll(async () => {
  stack = await startLiveStack({ name: "e2e-h265", codec: "H265", noViewerSeconds: 2 });
  ({ relay, device, responder } = stack);
}, 60_000);

afterAll(() => stack?.close(), 30_000);

/** The FLV tags of `url` until `enough` says so (or `maxMs` passes). */
function readFlv(url: string, enough: (tags: FlvTagData[]) => boolean, maxMs: number): Promise<{ status: number; header: Buffer; tags: FlvTagData[] }> {
  return new Promise((resolve, reject) => {
    const reader = new FlvReader();
    const tags: FlvTagData[] = [];
    let header = Buffer.alloc(0);
    let status = 0;
    const done = () => {
      clearTimeout(timer);
      req.destroy();
      resolve({ status, header, tags });
    };
    const timer = setTimeout(done, maxMs);
    const req = get(url, (res) => {
      status = res.statusCode ?? 0;
      res.on("data", (chunk: Buffer) => {
        if (header.length < 9) header = Buffer.concat([header, chunk]).subarray(0, 9);
        const read = reader.push(chunk);
        if (!read.ok) return reject(new Error(read.reason));
        tags.push(...read.tags);
        if (enough(tags)) done();
      });
    });
    req.on("error", reject);
  });
}

const videoTags = (tags: FlvTagData[]) => tags.filter((t) => t.type === FLV_VIDEO);
const packetType = (tag: FlvTagData) => tag.body[0]! & 0x0f;
const frameType = (tag: FlvTagData) => (tag.body[0]! >> 4) & 0x07;

describe("H.265 live view on demand (issue 5)", () => {
  it("plays a device's H.265 channel over HTTP-FLV as Enhanced RTMP hvc1 tags whose pictures decode as HEVC 640x480", async () => {
    const channelId = device.channels[0]!.id;
    const url = `http://127.0.0.1:${relay.httpPort}/live/${channelId}.live.flv?device=${device.deviceId}`;
    const flv = await readFlv(url, (tags) => videoTags(tags).length >= 60, 15_000);
    expect(flv.status).toBe(200);
    // FLV header: signature, version 1, audio (0x04) and video (0x01) present.
    expect(flv.header.toString("latin1", 0, 3)).toBe("FLV");
    expect(flv.header[4]! & 0x05).toBe(0x05);

    const video = videoTags(flv.tags);
    expect(video.length).toBeGreaterThanOrEqual(60);
    expect(video.every((t) => (t.body[0]! & EX_HEADER) !== 0 && t.body.toString("latin1", 1, 5) === "hvc1")).toBe(true);

    // SequenceStart first, a keyframe carrying the HEVCDecoderConfigurationRecord with VPS, SPS and PPS.
    const [start] = video;
    expect(packetType(start!)).toBe(PACKET_SEQUENCE_START);
    expect(frameType(start!)).toBe(1);
    const record = parseHevcDecoderConfig(start!.body.subarray(5));
    expect(record?.parameterSets.map((nal) => h265NalType(nal))).toEqual([32, 33, 34]);
    expect(parseH265Sps(record!.parameterSets[1]!)).toMatchObject({ width: 640, height: 480 });

    // Then coded frames, the first a keyframe, later ones inter pictures (frame type 2).
    const coded = video.filter((t) => packetType(t) === PACKET_CODED_FRAMES || packetType(t) === PACKET_CODED_FRAMES_X);
    expect(coded.length).toBe(video.length - 1);
    expect(frameType(coded[0]!)).toBe(1);
    expect(coded.some((t) => frameType(t) === 2)).toBe(true);
    expect(coded.filter((t) => frameType(t) === 1).length).toBeGreaterThanOrEqual(2);
    // G.711A audio: SoundFormat 7.
    const audio = flv.tags.filter((t) => t.type === FLV_AUDIO);
    expect(audio.length).toBeGreaterThan(0);
    expect(audio.every((t) => t.body[0]! >> 4 === 7)).toBe(true);

    // The pictures, back to Annex-B, decode as HEVC.
    const demuxer = new FlvDemuxer();
    const frames = flv.tags.flatMap((t) => demuxer.push(t)).filter((f) => f.kind === "video");
    expect(frames.every((f) => f.codec === "H265")).toBe(true);
    const probe = spawnSync(
      "ffprobe",
      ["-v", "error", "-f", "hevc", "-count_frames", "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "json", "-"],
      { input: Buffer.concat(frames.map((f) => f.data)), timeout: 30_000 },
    );
    expect(probe.stderr.toString()).toBe("");
    const [stream] = (JSON.parse(probe.stdout.toString()) as { streams: Array<{ codec_name: string; width: number; height: number; nb_read_frames: string }> }).streams;
    expect(stream).toMatchObject({ codec_name: "hevc", width: 640, height: 480 });
    expect(Number(stream!.nb_read_frames)).toBe(frames.length);

    // The device was asked for PS and answered PS: H.265 travels inside it (stream type 0x24).
    const invite = device.journal.find((e) => e.method === "INVITE");
    expect(invite?.request.body.toString()).toContain("a=rtpmap:96 PS/90000");
    expect(responder.active[0]?.channelId).toBe(channelId);
  }, 60_000);
});
