import { videoCodecTraits } from "../codec/video-codec.js";
import { splitAnnexB } from "../codec/nal.js";
import type { AudioFrame, Frame, VideoCodec, VideoFrame } from "../frame.js";
import { wrapPts } from "../frame.js";
import { writePesTimestamp } from "../ps/timestamp.js";
import { TsPacketizer } from "./packetizer.js";
import { buildPat, buildPmt, TsPid, TsStreamType, type PmtStream } from "./psi.js";

export interface TsMuxerOptions {
  video: VideoCodec;
  /** AAC only: MPEG-TS has no standard stream type for G.711 (see docs/architecture.md, cloud recording). */
  audio?: "AAC";
}

/** The PCR runs this far behind the DTS, so a decoder has the frame before it is due. */
const PCR_LEAD_TICKS = 9000;
const VIDEO_STREAM_ID = 0xe0;
const AUDIO_STREAM_ID = 0xc0;
const H264_AUD = Buffer.of(0x00, 0x00, 0x00, 0x01, 0x09, 0xf0);
const H265_AUD = Buffer.of(0x00, 0x00, 0x00, 0x01, 0x46, 0x01, 0x50);

/**
 * MPEG-TS from timestamped frames, written with the frames' own PTS/DTS (no re-timing). Every
 * `header()` starts an independently decodable piece (PAT, PMT); keyframes get the latest
 * parameter sets in front when the camera sent them earlier, so a segment cut there decodes alone.
 */
export class TsMuxer {
  private readonly packetizer = new TsPacketizer();
  private readonly streams: PmtStream[];
  private readonly parameterSets = new Map<string, Buffer>();

  constructor(private readonly options: TsMuxerOptions) {
    this.streams = [{ streamType: TsStreamType[options.video], pid: TsPid.Video }];
    if (options.audio !== undefined) this.streams.push({ streamType: TsStreamType.AAC, pid: TsPid.Audio });
  }

  /** PAT and PMT: what a reader needs before the first frame of a segment. */
  header(): Buffer {
    return Buffer.concat([
      this.packetizer.packetize(TsPid.Pat, buildPat(TsPid.Pmt), {}, true),
      this.packetizer.packetize(TsPid.Pmt, buildPmt(TsPid.Video, this.streams), {}, true),
    ]);
  }

  /** The frame's TS packets; audio the muxer does not carry gives an empty buffer. */
  frame(frame: Frame): Buffer {
    return frame.kind === "video" ? this.video(frame) : this.audio(frame);
  }

  private video(frame: VideoFrame): Buffer {
    const traits = videoCodecTraits[frame.codec];
    const nals = frame.nalus ?? splitAnnexB(frame.data);
    const present = new Set<string>();
    for (const nal of nals) {
      const kind = traits.parameterSetKind(nal);
      if (kind === undefined) continue;
      present.add(kind);
      this.parameterSets.set(kind, nal);
    }
    const missing = frame.keyframe ? [...this.parameterSets].filter(([kind]) => !present.has(kind)).map(([, nal]) => nal) : [];
    const body = nals.filter((nal) => !traits.isAccessUnitDelimiter(nal));
    const delimiter = frame.codec === "H264" ? H264_AUD : H265_AUD;
    const pes = pesPacket(VIDEO_STREAM_ID, [delimiter, ...annexB([...missing, ...body])], frame.pts, frame.dts, true);
    return this.packetizer.packetize(TsPid.Video, pes, { pcr: wrapPts(frame.dts - PCR_LEAD_TICKS), randomAccess: frame.keyframe });
  }

  private audio(frame: AudioFrame): Buffer {
    if (this.options.audio === undefined || frame.codec !== "AAC") return Buffer.alloc(0);
    return this.packetizer.packetize(TsPid.Audio, pesPacket(AUDIO_STREAM_ID, [frame.data], frame.pts, frame.pts, false));
  }
}

/**
 * A PES packet for TS. Video PES may be longer than 65535 bytes: its PES_packet_length is then 0
 * (unbounded, allowed for video in a TS, ISO 13818-1 §2.4.3.7), which `buildPes` does not write.
 */
function pesPacket(streamId: number, parts: readonly Buffer[], pts: number, dts: number, unbounded: boolean): Buffer {
  const withDts = dts !== pts;
  const headerData = withDts ? 10 : 5;
  const payloadLength = parts.reduce((sum, part) => sum + part.length, 0);
  const header = Buffer.allocUnsafe(9 + headerData + payloadLength);
  header.writeUInt32BE(0x00000100 | streamId, 0);
  const length = 3 + headerData + payloadLength;
  header.writeUInt16BE(unbounded || length > 0xffff ? 0 : length, 4);
  header[6] = 0x84; // '10', data_alignment_indicator: the payload starts an access unit
  header[7] = withDts ? 0xc0 : 0x80;
  header[8] = headerData;
  writePesTimestamp(header, 9, withDts ? 0b0011 : 0b0010, wrapPts(pts));
  if (withDts) writePesTimestamp(header, 14, 0b0001, wrapPts(dts));
  let offset = 9 + headerData;
  for (const part of parts) offset += part.copy(header, offset);
  return header;
}

const START_CODE = Buffer.of(0, 0, 0, 1);

/** NAL units as Annex-B parts (start code, NAL, …), to be copied once into the PES. */
function annexB(nals: readonly Buffer[]): Buffer[] {
  const parts: Buffer[] = [];
  for (const nal of nals) parts.push(START_CODE, nal);
  return parts;
}
