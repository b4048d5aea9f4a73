/**
 * Pending Stops of timed moves, one per channel. A `move` with `timeoutMs` is a pulse: ONVIF's
 * ContinuousMove Timeout (PTZ Service Spec §5.3.3) should stop the camera by itself, but cameras
 * that ignore it would turn until told, so the box also sends Stop when the pulse ends. A newer
 * command on the channel replaces the pending Stop, so back-to-back pulses move without a gap.
 */
export class PtzPulses {
  private readonly pending = new Map<string, { timer: NodeJS.Timeout; stop: () => Promise<unknown> }>();

  /** Runs `stop` after `ms` unless another command on `channelId` comes first. */
  schedule(channelId: string, ms: number, stop: () => Promise<unknown>): void {
    this.cancel(channelId);
    const timer = setTimeout(() => this.stopNow(channelId), ms);
    this.pending.set(channelId, { timer, stop });
  }

  cancel(channelId: string): void {
    clearTimeout(this.pending.get(channelId)?.timer);
    this.pending.delete(channelId);
  }

  /** Sends every pending Stop now (the box goes offline: no camera may be left turning). */
  stopAll(): void {
    for (const channelId of [...this.pending.keys()]) this.stopNow(channelId);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Sends the channel's pending Stop now, if it has one (its device is being removed). */
  stopNow(channelId: string): void {
    const pulse = this.pending.get(channelId);
    if (pulse === undefined) return;
    clearTimeout(pulse.timer);
    this.pending.delete(channelId);
    void pulse.stop().catch(() => undefined);
  }
}
