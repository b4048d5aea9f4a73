import { DeviceQueryError } from "./device-queries.js";
import type { RegistrationStore } from "./registration-store.js";

/**
 * SN of the MANSCDP commands sent to each device (GB/T 28181 A.2.1: the answer repeats it), drawn
 * from the device's registration in Redis: every instance draws from one sequence, so an answer is
 * never matched to the wrong query, and the counter ends with the registration (a counter per
 * device ever seen would outlive it in Redis forever).
 */
export class SnCounter {
  constructor(private readonly registrations: RegistrationStore) {}

  /** Rejects with device_offline when the device is not registered (it went offline meanwhile). */
  async next(deviceId: string): Promise<number> {
    const sn = await this.registrations.nextSn(deviceId);
    if (sn === undefined) throw new DeviceQueryError("device_offline", `device ${deviceId} is not registered`);
    return sn;
  }
}
