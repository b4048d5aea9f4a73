import {
  buildCatalogResponse,
  buildDeviceInfoResponse,
  buildDeviceStatusResponse,
  formatGbLocalTime,
} from "@ivc/gb28181";
import type { ManscdpMessage } from "@ivc/gb28181";
import { catalogItem, paginate } from "./catalog.js";
import type { SimulatedChannel } from "./channels.js";
import type { DeviceProfile } from "./device-profile.js";

/** A.2.1 dateTime: local time without a zone. */
export function deviceTime(now: Date): string {
  return formatGbLocalTime(Math.floor(now.getTime() / 1000), -now.getTimezoneOffset());
}

/**
 * The MANSCDP bodies answering a query, each to be sent as its own MESSAGE
 * (GB/T 28181-2016 §9.5.2). A catalog is split into pages that all carry the total
 * in SumNum. An empty list means the query is not one the device answers.
 */
export function answerQuery(
  query: ManscdpMessage,
  profile: DeviceProfile,
  channels: readonly SimulatedChannel[],
  now: Date,
): Buffer[] {
  if (query.kind !== "Query") return [];
  const envelope = { sn: query.sn, deviceId: query.deviceId, charset: profile.charset };
  switch (query.cmdType) {
    case "Catalog": {
      const items = channels.map((channel) => catalogItem(profile, channel));
      const pages = items.length === 0 ? [[]] : paginate(items, profile.catalogPage);
      return pages.map((page) => buildCatalogResponse({ ...envelope, sumNum: items.length, items: page }));
    }
    case "DeviceInfo":
      return [
        buildDeviceInfoResponse({
          ...envelope,
          deviceName: profile.name,
          manufacturer: profile.manufacturer,
          model: profile.model,
          firmware: profile.firmware,
          channel: channels.length,
        }),
      ];
    case "DeviceStatus":
      return [
        buildDeviceStatusResponse({
          ...envelope,
          online: true,
          status: "OK",
          encode: "ON",
          record: "OFF",
          deviceTime: deviceTime(now),
        }),
      ];
    default:
      return [];
  }
}
