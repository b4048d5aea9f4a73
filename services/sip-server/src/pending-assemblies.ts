import type { MultipartAssembler, MultipartOutcome, MultipartPart, MultipartResult } from "@ivc/gb28181";
import type { Clock } from "./clock.js";
import { DeviceQueryError } from "./device-queries.js";

interface Waiter<T> {
  resolve(result: MultipartResult<T>): void;
  reject(err: DeviceQueryError): void;
}

/**
 * Multi-part answers to queries a caller is waiting on (RecordInfo, PresetQuery): one assembler,
 * one timer armed at the earliest deadline, one promise per (device, SN). Parts for a query nobody
 * waits on are dropped (unlike catalogs, nothing else would use them). At the idle timeout the
 * caller gets what arrived, flagged partial, or sip_timeout when nothing did.
 */
export class PendingAssemblies<T> {
  private readonly waiters = new Map<string, Waiter<T>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly assembler: MultipartAssembler<T>,
    private readonly clock: Clock,
    private readonly what: string,
  ) {}

  /** Queries waiting, and assemblies in progress. */
  get retained(): { waiters: number; assemblies: number } {
    return { waiters: this.waiters.size, assemblies: this.assembler.pendingCount };
  }

  /** Starts waiting before the query goes out (answers can beat the 200 OK). */
  start(deviceId: string, sn: number): Promise<MultipartResult<T>> {
    return new Promise((resolve, reject) => {
      const outcome = this.assembler.start(deviceId, sn, this.clock.now());
      if (outcome.status === "rejected") {
        reject(new DeviceQueryError("device_refused", `${this.what} not sent: ${outcome.reason}`));
        return;
      }
      this.waiters.set(key(deviceId, sn), { resolve, reject });
      this.arm();
    });
  }

  /** One part from a device; false when no query of ours waits for it. */
  add(deviceId: string, sn: number, part: MultipartPart<T>): boolean {
    if (!this.waiters.has(key(deviceId, sn))) return false;
    this.settle(this.assembler.add(deviceId, sn, part, this.clock.now()));
    this.arm();
    return true;
  }

  fail(deviceId: string, sn: number, err: DeviceQueryError): void {
    const waiter = this.waiters.get(key(deviceId, sn));
    if (!waiter) return;
    this.waiters.delete(key(deviceId, sn));
    this.assembler.cancel(deviceId, sn);
    waiter.reject(err);
    this.arm();
  }

  /** Fails every query waiting on a device that went offline. */
  cancelDevice(deviceId: string): void {
    for (const k of [...this.waiters.keys()]) {
      const [owner, sn] = k.split("|");
      if (owner === deviceId) this.fail(deviceId, Number(sn), new DeviceQueryError("device_offline", `device ${deviceId} went offline`));
    }
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const waiter of this.waiters.values()) waiter.reject(new DeviceQueryError("device_offline", "sip-server stopping"));
    this.waiters.clear();
  }

  private settle(outcome: MultipartOutcome<T>): void {
    if (outcome.status === "complete") this.finish(outcome.result);
  }

  private finish(result: MultipartResult<T>): void {
    const k = key(result.deviceId, result.sn);
    const waiter = this.waiters.get(k);
    if (!waiter) return;
    this.waiters.delete(k);
    if (result.partial && result.items.length === 0 && result.sumNum === undefined) {
      waiter.reject(new DeviceQueryError("sip_timeout", `no ${this.what} answer from ${result.deviceId}`));
    } else {
      waiter.resolve(result);
    }
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = this.assembler.nextDeadline();
    if (deadline === undefined) return;
    this.timer = setTimeout(
      () => {
        for (const result of this.assembler.expire(this.clock.now())) this.finish(result);
        this.arm();
      },
      Math.max(0, deadline - this.clock.now()) + 1,
    );
  }
}

function key(deviceId: string, sn: number): string {
  return `${deviceId}|${sn}`;
}
