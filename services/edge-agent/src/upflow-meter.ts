/**
 * G3 `UpFlow`: kilobits per second actually pushed upstream, averaged over the time since the
 * previous reading (one heartbeat interval). Senders add the bytes they wrote.
 */
export class UpFlowMeter {
  private bytes = 0;
  private since: number;

  constructor(private readonly now: () => number = Date.now) {
    this.since = now();
  }

  add(bytes: number): void {
    if (bytes > 0) this.bytes += bytes;
  }

  /** Kilobits per second since the last call, and starts a new window. */
  takeKbps(): number {
    const at = this.now();
    const seconds = (at - this.since) / 1000;
    const kbps = seconds > 0 ? Math.round((this.bytes * 8) / 1000 / seconds) : 0;
    this.bytes = 0;
    this.since = at;
    return kbps;
  }
}
