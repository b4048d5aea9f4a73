import type { DeviceCredentialsReply } from "@ivc/bus";
import type { Clock } from "./clock.js";

export interface DeviceCacheOptions {
  /** How long an answer is trusted without a `deviceChanged` event (a safety net for lost events). */
  ttlMs?: number;
  /** Unknown codes are remembered shorter: a device added seconds later must not wait. */
  negativeTtlMs?: number;
  /** Entries kept; the oldest go first beyond it (a scan of random codes must not grow memory). */
  maxEntries?: number;
}

interface Entry {
  value: DeviceCredentialsReply;
  expiresAt: number;
}

/**
 * What the API says about each 20-digit code, kept so a REGISTER storm does not become a request
 * storm. Filled on a miss (one request per code however many REGISTERs wait for it), emptied
 * per device by `deviceChanged` events.
 */
export class DeviceCredentialsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<DeviceCredentialsReply>>();
  /** Bumped by invalidate(), so an answer fetched before the change is not stored after it. */
  private readonly generations = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly fetch: (deviceId: string) => Promise<DeviceCredentialsReply>,
    private readonly clock: Clock,
    options: DeviceCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
    this.negativeTtlMs = options.negativeTtlMs ?? 30_000;
    this.maxEntries = options.maxEntries ?? 200_000;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The API's answer for `deviceId`; rejects with the fetch error (e.g. BusError timeout). */
  get(deviceId: string): Promise<DeviceCredentialsReply> {
    const entry = this.entries.get(deviceId);
    if (entry && entry.expiresAt > this.clock.now()) return Promise.resolve(entry.value);
    const pending = this.inFlight.get(deviceId);
    if (pending) return pending;
    const generation = this.generations.get(deviceId) ?? 0;
    const request = this.fetch(deviceId)
      .then((value) => {
        if ((this.generations.get(deviceId) ?? 0) === generation) this.store(deviceId, value);
        return value;
      })
      .finally(() => this.inFlight.delete(deviceId));
    this.inFlight.set(deviceId, request);
    return request;
  }

  invalidate(deviceId: string): void {
    this.entries.delete(deviceId);
    this.inFlight.delete(deviceId);
    this.generations.set(deviceId, (this.generations.get(deviceId) ?? 0) + 1);
    if (this.generations.size > this.maxEntries) this.generations.clear();
  }

  private store(deviceId: string, value: DeviceCredentialsReply): void {
    this.entries.delete(deviceId);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    const ttl = value.found ? this.ttlMs : this.negativeTtlMs;
    this.entries.set(deviceId, { value, expiresAt: this.clock.now() + ttl });
  }
}
