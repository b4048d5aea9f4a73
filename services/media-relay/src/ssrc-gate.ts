import { ssrcToNumber } from "./ssrc.js";

export interface SsrcGateStats {
  accepted: number;
  /** Packets of an SSRC that is neither ours nor the one the device announced. */
  foreign: number;
  /** The last foreign SSRC seen, to name it when a play fails on a mismatch. */
  lastForeignSsrc: number | undefined;
}

/** RTP SSRC octets (RFC 3550 §5.1), read without a full parse. */
function ssrcOf(packet: Buffer): number | undefined {
  return packet.length >= 12 ? packet.readUInt32BE(8) : undefined;
}

/**
 * Admits packets of the SSRC we offered or of the one in the device's 200 OK (GB devices often
 * ignore our `y=` line); anything else is late traffic of another stream or a stray sender.
 */
export class SsrcGate {
  private readonly allowed = new Set<number>();
  readonly stats: SsrcGateStats = { accepted: 0, foreign: 0, lastForeignSsrc: undefined };

  constructor(offeredSsrc: string) {
    this.allowed.add(ssrcToNumber(offeredSsrc));
  }

  acceptDeviceSsrc(deviceSsrc: string): void {
    this.allowed.add(ssrcToNumber(deviceSsrc));
  }

  admits(packet: Buffer): boolean {
    const ssrc = ssrcOf(packet);
    if (ssrc === undefined || this.allowed.has(ssrc)) {
      // Too short to carry an SSRC: the RTP parser counts it as malformed.
      if (ssrc !== undefined) this.stats.accepted++;
      return true;
    }
    this.stats.foreign++;
    this.stats.lastForeignSsrc = ssrc;
    return false;
  }
}
