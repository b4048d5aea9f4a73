import { buildDeviceControl, encodePtzCmd, type ManscdpMessage, type OkError, type PtzCommand } from "@ivc/gb28181";
import type { Logger } from "@ivc/runtime";
import { charsetOf, DeviceQueryError } from "./device-queries.js";
import type { DeviceRequester } from "./device-requester.js";
import type { Registration } from "./registration-store.js";
import type { SnCounter } from "./sn-counter.js";

export interface DeviceControlsOptions {
  requester: DeviceRequester;
  sn: SnCounter;
  logger: Logger;
  /**
   * After the 200 OK to a DeviceControl, how long a Response with Result is awaited before the
   * 200 alone counts as success. GB/T 28181-2016 A.2.6.1 defines that Response, yet many cameras
   * never send it for PTZ: waiting for it would fail every command they carry out.
   */
  resultWaitMs: number;
}

interface PendingStop {
  timer: NodeJS.Timeout;
  fire(): Promise<void>;
}

/** How long close() lets the last stop commands reach their devices. */
const CLOSE_GRACE_MS = 500;

/**
 * DeviceControl MESSAGEs carrying a PTZCmd (GB/T 28181-2016 §9.3, A.2.3.1, A.3). Moves are pulses:
 * the platform API has no stop, so every move is followed by a stop PTZCmd after `pulseMs`, and a
 * new move for the same channel replaces the pending stop (holding a direction button keeps the
 * camera turning). Pending stops live in this instance; a move that reaches another instance
 * cannot cancel them, so the camera then stops early rather than late.
 */
export class DeviceControls {
  private readonly results = new Map<string, { early?: OkError; resolve?: (result: OkError) => void }>();
  private readonly pendingStops = new Map<string, PendingStop>();
  /** The newest move or command per channel; only its stop may be armed. */
  private readonly latest = new Map<string, object>();

  constructor(private readonly options: DeviceControlsOptions) {}

  get retained(): { controlResults: number; pendingStops: number; latestMoves: number } {
    return { controlResults: this.results.size, pendingStops: this.pendingStops.size, latestMoves: this.latest.size };
  }

  /**
   * Sends the move and arms its stop once the device has it (its 200 OK, or the failure), so the
   * pulse is measured from the device's side and a slow path to the camera does not shorten it.
   * Only the newest move or command of a channel may arm: a late answer to an older move must not
   * stop a newer one. Resolves when the device accepted the move.
   */
  async move(registration: Registration, channelId: string, command: PtzCommand, pulseMs: number): Promise<void> {
    const key = stopKey(registration.deviceId, channelId);
    this.cancelStop(key);
    const turn = this.takeTurn(key);
    let armed = false;
    const arm = (): void => {
      if (armed || this.latest.get(key) !== turn) return;
      armed = true;
      const stop: PendingStop = {
        timer: setTimeout(() => void stop.fire(), pulseMs),
        fire: () => {
          clearTimeout(stop.timer);
          if (this.pendingStops.get(key) === stop) this.pendingStops.delete(key);
          if (this.latest.get(key) === turn) this.latest.delete(key);
          return this.send(registration, channelId, { type: "stop" }).catch((err: unknown) =>
            this.options.logger.warn({ deviceId: registration.deviceId, channelId, err: describe(err) }, "PTZ stop not confirmed"),
          );
        },
      };
      this.pendingStops.set(key, stop);
    };
    try {
      await this.send(registration, channelId, command, arm);
    } finally {
      arm();
    }
  }

  /**
   * A command that is not a move (preset call/set/delete). A move still running is stopped first:
   * its stop arriving during a preset call would abort the call on many cameras.
   */
  async command(registration: Registration, channelId: string, command: PtzCommand): Promise<void> {
    const key = stopKey(registration.deviceId, channelId);
    const turn = this.takeTurn(key);
    await this.pendingStops.get(key)?.fire();
    if (this.latest.get(key) === turn) this.latest.delete(key);
    await this.send(registration, channelId, command);
  }

  /** A Response with Result for a DeviceControl we sent (matched by device and SN); false when none waits. */
  accept(deviceId: string, message: ManscdpMessage): boolean {
    if (message.kind !== "Response" || message.cmdType !== "DeviceControl") return false;
    const waiter = this.results.get(resultKey(deviceId, message.sn));
    if (!waiter) return false;
    if (waiter.resolve) waiter.resolve(message.result);
    else waiter.early = message.result;
    return true;
  }

  /** Stops every camera still moving, waiting briefly for the stops (call before the endpoint closes). */
  async close(): Promise<void> {
    const stops = [...this.pendingStops.values()].map((stop) => stop.fire());
    if (stops.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)));
    await Promise.race([Promise.allSettled(stops), grace]);
    clearTimeout(timer);
  }

  private takeTurn(key: string): object {
    const turn = {};
    this.latest.set(key, turn);
    return turn;
  }

  private cancelStop(key: string): void {
    const pending = this.pendingStops.get(key);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pendingStops.delete(key);
  }

  /** `delivered` runs once the device answered 200 OK, before its Result is awaited. */
  private async send(registration: Registration, channelId: string, command: PtzCommand, delivered?: () => void): Promise<void> {
    const { deviceId } = registration;
    const sn = await this.options.sn.next(deviceId);
    const key = resultKey(deviceId, sn);
    // Registered before sending: devices often send the Response before the 200 OK.
    const waiter: { early?: OkError; resolve?: (result: OkError) => void } = {};
    this.results.set(key, waiter);
    try {
      const body = buildDeviceControl({ sn, deviceId: channelId, charset: charsetOf(registration), ptzCmd: encodePtzCmd(command) });
      let status: number;
      try {
        status = (await this.options.requester.message(registration, body)).status;
      } catch (err) {
        throw new DeviceQueryError("sip_timeout", `DeviceControl to ${deviceId} unanswered: ${describe(err)}`);
      }
      if (status >= 300) throw new DeviceQueryError("device_refused", `device ${deviceId} answered the DeviceControl with ${status}`);
      delivered?.();
      const result = waiter.early ?? (await this.awaitResult(waiter));
      if (result === "ERROR") throw new DeviceQueryError("device_refused", `device ${deviceId} answered the DeviceControl with Result ERROR`);
    } finally {
      this.results.delete(key);
    }
  }

  private awaitResult(waiter: { resolve?: (result: OkError) => void }): Promise<OkError> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve("OK"), this.options.resultWaitMs);
      waiter.resolve = (result) => {
        clearTimeout(timer);
        resolve(result);
      };
    });
  }
}

function stopKey(deviceId: string, channelId: string): string {
  return `${deviceId}|${channelId}`;
}

function resultKey(deviceId: string, sn: number): string {
  return `${deviceId}|${sn}`;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
