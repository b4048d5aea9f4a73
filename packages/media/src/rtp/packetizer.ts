import { buildRtp } from "./packet.js";

export interface RtpPacketizerOptions {
  ssrc: number;
  /** GB28181 announces PS as dynamic payload type 96 (a=rtpmap:96 PS/90000). */
  payloadType?: number;
  maxPayloadBytes?: number;
  initialSequenceNumber?: number;
}

/**
 * Splits one media unit (a PS frame) into RTP packets sharing one timestamp, with the marker on
 * the last packet so receivers can close the frame without waiting (RFC 3550 §5.1).
 */
export class RtpPacketizer {
  private sequenceNumber: number;
  private readonly payloadType: number;
  private readonly maxPayloadBytes: number;

  constructor(private readonly options: RtpPacketizerOptions) {
    this.payloadType = options.payloadType ?? 96;
    this.maxPayloadBytes = options.maxPayloadBytes ?? 1400;
    this.sequenceNumber = (options.initialSequenceNumber ?? 0) & 0xffff;
    if (this.maxPayloadBytes < 1) throw new RangeError("maxPayloadBytes must be positive");
  }

  /** `timestamp` in 90 kHz ticks; only its low 32 bits go on the wire. */
  packetize(payload: Buffer, timestamp: number): Buffer[] {
    const rtpTimestamp = timestamp % 2 ** 32;
    const packets: Buffer[] = [];
    for (let offset = 0; offset < payload.length; offset += this.maxPayloadBytes) {
      const end = Math.min(offset + this.maxPayloadBytes, payload.length);
      packets.push(
        buildRtp({
          marker: end === payload.length,
          payloadType: this.payloadType,
          sequenceNumber: this.sequenceNumber,
          timestamp: rtpTimestamp,
          ssrc: this.options.ssrc,
          payload: payload.subarray(offset, end),
        }),
      );
      this.sequenceNumber = (this.sequenceNumber + 1) & 0xffff;
    }
    return packets;
  }
}
