/**
 * Splits an RTP-over-TCP byte stream into RTP packets. GB28181 TCP media uses RFC 4571
 * (2-byte big-endian length before each packet); some cameras instead use the RTSP
 * interleaved framing of RFC 2326 §10.12 ('$', channel, 2-byte length).
 *
 * Memory is bounded by one maximal frame (4 + 65535 bytes). A bare 2-byte length is a weak
 * signal, so once a packet has been framed the RTP SSRC is locked: a candidate header must have
 * version 2, a plausible length and the same SSRC. After corruption the framer resynchronises
 * byte by byte; if nothing matches for 64 KiB the lock is released (the sender changed SSRC).
 */
export type TcpRtpFraming = "rfc4571" | "interleaved" | "auto";

export interface Rfc4571FramerStats {
  packets: number;
  /** Bytes discarded while searching for a valid frame header. */
  resyncBytes: number;
}

const RTP_HEADER_LENGTH = 12;
const SSRC_OFFSET = 8;
const UNLOCK_AFTER_BYTES = 0x10000;

type HeaderVerdict = { kind: "accept"; headerLength: number; length: number } | { kind: "need-more" } | { kind: "reject" };

export class Rfc4571Framer {
  private readonly buffer = Buffer.allocUnsafe(4 + 0xffff);
  private filled = 0;
  /** Header length of the frame being filled once its header is accepted, else 0. */
  private headerLength = 0;
  private frameEnd = 0;
  private lockedSsrc: number | undefined;
  private skippedSinceFrame = 0;
  readonly stats: Rfc4571FramerStats = { packets: 0, resyncBytes: 0 };

  constructor(private readonly framing: TcpRtpFraming = "rfc4571") {}

  push(chunk: Uint8Array): Buffer[] {
    const packets: Buffer[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.headerLength === 0) {
        this.buffer[this.filled++] = chunk[i++]!;
        this.examineHeader();
        continue;
      }
      const take = Math.min(this.frameEnd - this.filled, chunk.length - i);
      this.buffer.set(chunk.subarray(i, i + take), this.filled);
      this.filled += take;
      i += take;
      if (this.filled === this.frameEnd) packets.push(this.completeFrame());
    }
    return packets;
  }

  private completeFrame(): Buffer {
    const packet = Buffer.from(this.buffer.subarray(this.headerLength, this.frameEnd));
    if (this.headerLength === 2) this.lockedSsrc = packet.readUInt32BE(SSRC_OFFSET);
    this.stats.packets++;
    this.skippedSinceFrame = 0;
    this.filled = 0;
    this.headerLength = 0;
    return packet;
  }

  private examineHeader(): void {
    for (;;) {
      const verdict = this.judgeHeader();
      if (verdict.kind === "need-more") return;
      if (verdict.kind === "accept") {
        this.headerLength = verdict.headerLength;
        this.frameEnd = verdict.headerLength + verdict.length;
        return;
      }
      this.buffer.copyWithin(0, 1, this.filled);
      this.filled--;
      this.stats.resyncBytes++;
      if (++this.skippedSinceFrame >= UNLOCK_AFTER_BYTES) this.lockedSsrc = undefined;
    }
  }

  private judgeHeader(): HeaderVerdict {
    const b = this.buffer;
    if (this.filled < 3) return { kind: "need-more" };
    if (this.framing !== "rfc4571" && b[0] === 0x24) {
      if (this.filled < 5) return { kind: "need-more" };
      const length = b.readUInt16BE(2);
      if (b[4]! >> 6 === 2 && length >= RTP_HEADER_LENGTH) return { kind: "accept", headerLength: 4, length };
    }
    if (this.framing === "interleaved") return { kind: "reject" };
    const length = b.readUInt16BE(0);
    if (b[2]! >> 6 !== 2 || length < RTP_HEADER_LENGTH) return { kind: "reject" };
    if (this.lockedSsrc === undefined) return { kind: "accept", headerLength: 2, length };
    if (this.filled < 2 + RTP_HEADER_LENGTH) return { kind: "need-more" };
    return b.readUInt32BE(2 + SSRC_OFFSET) === this.lockedSsrc ? { kind: "accept", headerLength: 2, length } : { kind: "reject" };
  }
}
