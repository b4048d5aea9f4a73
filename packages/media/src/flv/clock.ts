import { PTS_MODULUS, wrapPts } from "../frame.js";

/**
 * Maps 33-bit 90 kHz DTS values to FLV milliseconds starting at 0: unwraps the 33-bit counter
 * and, when the source clock jumps by more than `maxJumpMs` (camera restart, PTS reset),
 * re-anchors so output time keeps advancing smoothly instead of leaping.
 */
export class FlvClock {
  private lastRaw: number | undefined;
  private unwrapped = 0;

  constructor(private readonly maxJumpMs = 10_000) {}

  toMs(dts: number): number {
    const raw = wrapPts(dts);
    if (this.lastRaw !== undefined) {
      let delta = wrapPts(raw - this.lastRaw);
      if (delta > PTS_MODULUS / 2) delta -= PTS_MODULUS;
      if (Math.abs(delta) <= this.maxJumpMs * 90) this.unwrapped += delta;
    }
    this.lastRaw = raw;
    return Math.max(0, Math.round(this.unwrapped / 90));
  }
}

/** PTS − DTS in ms; negative (corrupt) offsets become 0. */
export function compositionTimeMs(pts: number, dts: number): number {
  const ticks = wrapPts(pts - dts);
  return ticks > PTS_MODULUS / 2 ? 0 : Math.min(Math.round(ticks / 90), 0x7fffff);
}
