import type { Frame } from "../frame.js";
import type { RtpPacket, RtpRejectReason } from "../rtp/packet.js";
import { parseRtp } from "../rtp/packet.js";
import type { ReorderOptions, ReorderStats } from "../rtp/reorder.js";
import { ReorderBuffer } from "../rtp/reorder.js";
import type { PsDemuxerOptions, PsDemuxerStats } from "./demuxer.js";
import { PsDemuxer } from "./demuxer.js";
import { startsWithPackHeader } from "./packet-boundary.js";

export interface PsRtpReceiverOptions {
  reorder?: ReorderOptions;
  demuxer?: PsDemuxerOptions;
}

export interface PsRtpReceiverStats {
  packets: number;
  rtpDrops: Record<RtpRejectReason, number>;
  ssrcChanges: number;
  reorder: ReorderStats;
  demux: PsDemuxerStats;
}

/**
 * The receive chain for one GB28181 PS-over-RTP stream: RTP parse → reorder → PS reassembly
 * and demux. A sequence gap tells the demuxer to drop the damaged frame; the marker bit closes
 * a frame immediately (cameras that never set it are closed by the next timestamp). Audio sent
 * in RTP packets of its own timestamp, even between the packets of a video frame, is demuxed apart.
 */
export class PsRtpReceiver {
  private readonly reorder: ReorderBuffer<RtpPacket>;
  readonly demuxer: PsDemuxer;
  private ssrc: number | undefined;
  private lastSequenceNumber: number | undefined;
  private packets = 0;
  private ssrcChanges = 0;
  private readonly rtpDrops: Record<RtpRejectReason, number> = {
    "too-short": 0,
    "bad-version": 0,
    rtcp: 0,
    "truncated-header": 0,
    "bad-padding": 0,
  };

  constructor(options: PsRtpReceiverOptions = {}) {
    // A device answering an INVITE starts at a pack header (GB/T 28181-2016 Annex C: one frame per
    // RTP timestamp, each opening with a pack header), so a stream start needs no reorder hold.
    this.reorder = new ReorderBuffer<RtpPacket>(options.reorder, (packet) => startsWithPackHeader(packet.payload));
    this.demuxer = new PsDemuxer(options.demuxer);
  }

  /** Packets waiting in the reorder buffer. */
  get heldPackets(): number {
    return this.reorder.heldCount;
  }

  /** When `poll()` will next release held packets; undefined if none are held. */
  get pollDueAtMs(): number | undefined {
    return this.reorder.pollDueAtMs;
  }

  get stats(): PsRtpReceiverStats {
    return {
      packets: this.packets,
      rtpDrops: { ...this.rtpDrops },
      ssrcChanges: this.ssrcChanges,
      reorder: { ...this.reorder.stats },
      demux: { ...this.demuxer.stats },
    };
  }

  /** One RTP packet (UDP datagram or RFC 4571 frame). */
  push(datagram: Buffer, nowMs: number): Frame[] {
    const parsed = parseRtp(datagram);
    if (!parsed.ok) {
      this.rtpDrops[parsed.reason]++;
      return [];
    }
    this.packets++;
    const packet = parsed.packet;
    const frames: Frame[] = [];
    if (this.ssrc !== undefined && packet.ssrc !== this.ssrc) {
      this.ssrcChanges++;
      this.deliver(this.reorder.flush(), frames);
      this.reorder.reset();
      this.demuxer.discontinuity();
      this.lastSequenceNumber = undefined;
    }
    this.ssrc = packet.ssrc;
    this.deliver(this.reorder.push(packet, nowMs), frames);
    return frames;
  }

  /** Releases packets whose gap waited past the reorder latency; call periodically. */
  poll(nowMs: number): Frame[] {
    const frames: Frame[] = [];
    this.deliver(this.reorder.poll(nowMs), frames);
    return frames;
  }

  /** End of stream: drain the reorder buffer and the pending frame. */
  flush(): Frame[] {
    const frames: Frame[] = [];
    this.deliver(this.reorder.flush(), frames);
    frames.push(...this.demuxer.endFrame());
    return frames;
  }

  private deliver(packets: readonly RtpPacket[], frames: Frame[]): void {
    for (const packet of packets) {
      if (this.lastSequenceNumber !== undefined && packet.sequenceNumber !== ((this.lastSequenceNumber + 1) & 0xffff)) {
        this.demuxer.discontinuity();
      }
      this.lastSequenceNumber = packet.sequenceNumber;
      frames.push(...this.demuxer.pushRtp(packet.payload, packet.timestamp, packet.marker));
    }
  }
}
