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
 * per device by `deviceChanged` events. Expired answers are dropped as new ones come in, so the
 * cache holds the codes seen within the TTL, not every code ever seen.
 */
export class DeviceCredentialsCache {
  /** In insertion order, which is expiry order for answers of one kind (found or not). */
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<DeviceCredentialsReply>>();
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

  /** Answers held (expired ones dropped first), and API requests in flight. */
  get retained(): { credentials: number; credentialFetches: number } {
    this.dropExpired();
    return { credentials: this.entries.size, credentialFetches: this.inFlight.size };
  }

  /** The API's answer for `deviceId`; rejects with the fetch error (e.g. BusError timeout). */
  get(deviceId: string): Promise<DeviceCredentialsReply> {
    const entry = this.entries.get(deviceId);
    if (entry && entry.expiresAt > this.clock.now()) return Promise.resolve(entry.value);
    const pending = this.inFlight.get(deviceId);
    if (pending) return pending;
    // invalidate() forgets the request: an answer fetched before the change is not stored after it.
    const current = () => this.inFlight.get(deviceId) === request;
    const request: Promise<DeviceCredentialsReply> = this.fetch(deviceId)
      .then((value) => {
        if (current()) this.store(deviceId, value);
        return value;
      })
      .finally(() => {
        if (current()) this.inFlight.delete(deviceId);
      });
    this.inFlight.set(deviceId, request);
    return request;
  }

  /** The cached answer for `deviceId` without asking the API; undefined when none is live. */
  peek(deviceId: string): DeviceCredentialsReply | undefined {
    const entry = this.entries.get(deviceId);
    return entry && entry.expiresAt > this.clock.now() ? entry.value : undefined;
  }

  invalidate(deviceId: string): void {
    this.entries.delete(deviceId);
    this.inFlight.delete(deviceId);
  }

  private store(deviceId: string, value: DeviceCredentialsReply): void {
    this.entries.delete(deviceId);
    this.dropExpired();
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    const ttl = value.found ? this.ttlMs : this.negativeTtlMs;
    this.entries.set(deviceId, { value, expiresAt: this.clock.now() + ttl });
  }

  /** From the oldest: stops at the first live entry (a shorter-lived one behind it waits its turn). */
  private dropExpired(): void {
    const now = this.clock.now();
    for (const [deviceId, entry] of this.entries) {
      if (entry.expiresAt > now) return;
      this.entries.delete(deviceId);
    }
  }
}
