import type { CatalogEvent, CatalogItem } from "@ivc/gb28181";
import type { SimulatedChannel } from "./channels.js";
import type { DeviceProfile } from "./device-profile.js";

/** A catalog item for one channel (GB/T 28181-2016 A.2.6.3), filled the way IPCs and NVRs fill it. */
export function catalogItem(profile: DeviceProfile, channel: SimulatedChannel, event?: CatalogEvent): CatalogItem {
  return {
    deviceId: channel.id,
    ...(event === undefined ? {} : { event }),
    name: channel.name,
    manufacturer: profile.manufacturer,
    model: profile.model,
    owner: "Owner",
    civilCode: profile.deviceId.slice(0, 6),
    address: "Address",
    parental: false,
    parentId: profile.deviceId,
    safetyWay: 0,
    registerWay: 1,
    secrecy: 0,
    status: channel.status,
  };
}

/** Consecutive slices of at most `size` items (the last may be shorter; none when empty). */
export function paginate<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`page size must be a positive integer, got ${size}`);
  const pages: T[][] = [];
  for (let start = 0; start < items.length; start += size) pages.push(items.slice(start, start + size));
  return pages;
}
