import {
  buildCatalogQuery,
  buildDeviceInfoQuery,
  buildDeviceStatusQuery,
  type DeviceInfoResponse,
  type DeviceStatusResponse,
  type ManscdpMessage,
  type XmlCharset,
} from "@ivc/gb28181";
import type { CatalogCollector } from "./catalog-collector.js";
import type { DeviceRequester } from "./device-requester.js";
import type { Registration } from "./registration-store.js";
import type { SnCounter } from "./sn-counter.js";

export type DeviceQueryErrorCode = "sip_timeout" | "device_refused" | "device_offline";

export class DeviceQueryError extends Error {
  constructor(
    readonly code: DeviceQueryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "DeviceQueryError";
  }
}

type Answer = DeviceInfoResponse | DeviceStatusResponse;

interface Waiter {
  deviceId: string;
  resolve(answer: Answer): void;
  reject(err: DeviceQueryError): void;
}

const CHARSETS: readonly XmlCharset[] = ["GB18030", "GB2312", "GBK", "UTF-8"];

export function charsetOf(registration: Registration): XmlCharset {
  return CHARSETS.find((c) => c === registration.charset) ?? "GB2312";
}

/**
 * MANSCDP queries to devices (GB/T 28181 §9.5). The device first answers the MESSAGE with 200 OK,
 * then sends its answer in a MESSAGE of its own carrying the same SN; `accept` matches those.
 */
export class DeviceQueries {
  private readonly waiters = new Map<string, Waiter>();

  constructor(
    private readonly requester: DeviceRequester,
    private readonly sn: SnCounter,
    private readonly catalog: CatalogCollector,
    private readonly answerTimeoutMs: number,
  ) {}

  /** Queries waiting for their answer. */
  get pending(): number {
    return this.waiters.size;
  }

  /** Sends a Catalog query; the answer is assembled and published by the collector. Resolves with its SN. */
  async requestCatalog(registration: Registration): Promise<number> {
    const { deviceId } = registration;
    const sn = await this.sn.next(deviceId);
    if (!this.catalog.start(deviceId, sn)) throw new DeviceQueryError("device_refused", "too many catalog queries pending");
    try {
      await this.sendQuery(registration, buildCatalogQuery({ sn, deviceId, charset: charsetOf(registration) }));
    } catch (err) {
      this.catalog.cancel(deviceId, sn);
      throw err;
    }
    return sn;
  }

  deviceInfo(registration: Registration): Promise<DeviceInfoResponse> {
    return this.ask(registration, "DeviceInfo", (sn, deviceId, charset) => buildDeviceInfoQuery({ sn, deviceId, charset })) as Promise<DeviceInfoResponse>;
  }

  deviceStatus(registration: Registration): Promise<DeviceStatusResponse> {
    return this.ask(registration, "DeviceStatus", (sn, deviceId, charset) => buildDeviceStatusQuery({ sn, deviceId, charset })) as Promise<DeviceStatusResponse>;
  }

  /** Hands a device's Response to the query waiting for it; false when none waits. */
  accept(deviceId: string, message: ManscdpMessage): boolean {
    if (message.kind !== "Response" || (message.cmdType !== "DeviceInfo" && message.cmdType !== "DeviceStatus")) return false;
    const key = waiterKey(deviceId, message.cmdType, message.sn);
    const waiter = this.waiters.get(key);
    if (!waiter) return false;
    this.waiters.delete(key);
    waiter.resolve(message as Answer);
    return true;
  }

  /** Fails every query waiting on a device that just went offline. */
  cancelDevice(deviceId: string): void {
    for (const [key, waiter] of this.waiters) {
      if (waiter.deviceId !== deviceId) continue;
      this.waiters.delete(key);
      waiter.reject(new DeviceQueryError("device_offline", `device ${deviceId} went offline`));
    }
  }

  close(): void {
    for (const waiter of this.waiters.values()) waiter.reject(new DeviceQueryError("device_offline", "sip-server stopping"));
    this.waiters.clear();
  }

  private async ask(
    registration: Registration,
    cmdType: "DeviceInfo" | "DeviceStatus",
    build: (sn: number, deviceId: string, charset: XmlCharset) => Buffer,
  ): Promise<Answer> {
    const { deviceId } = registration;
    const sn = await this.sn.next(deviceId);
    const key = waiterKey(deviceId, cmdType, sn);
    // Waiting starts before sending: devices often send the answer before the 200 OK to the query.
    const answer = new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        reject(new DeviceQueryError("sip_timeout", `no ${cmdType} answer from ${deviceId} within ${this.answerTimeoutMs} ms`));
      }, this.answerTimeoutMs);
      const settle = <T>(fn: (value: T) => void) => (value: T) => {
        clearTimeout(timer);
        fn(value);
      };
      this.waiters.set(key, { deviceId, resolve: settle(resolve), reject: settle(reject) });
    });
    const sent = this.sendQuery(registration, build(sn, deviceId, charsetOf(registration)));
    sent.catch((err: unknown) => {
      const waiter = this.waiters.get(key);
      this.waiters.delete(key);
      waiter?.reject(err instanceof DeviceQueryError ? err : new DeviceQueryError("sip_timeout", String(err)));
    });
    return answer;
  }

  private async sendQuery(registration: Registration, body: Buffer): Promise<void> {
    let status: number;
    try {
      status = (await this.requester.message(registration, body)).status;
    } catch (err) {
      throw new DeviceQueryError("sip_timeout", err instanceof Error ? err.message : String(err));
    }
    if (status >= 300) throw new DeviceQueryError("device_refused", `device ${registration.deviceId} answered the query with ${status}`);
  }
}

function waiterKey(deviceId: string, cmdType: string, sn: number): string {
  return `${deviceId}|${cmdType}|${sn}`;
}
