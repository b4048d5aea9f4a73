import {
  buildCatalogResponse,
  buildDeviceInfoResponse,
  buildDeviceStatusResponse,
  buildPresetQueryResponse,
  buildRecordInfoResponse,
  formatGbLocalTime,
  parseGbLocalTime,
} from "@ivc/gb28181";
import type { ManscdpMessage, RecordInfoQuery } from "@ivc/gb28181";
import { catalogItem, paginate } from "./catalog.js";
import type { SimulatedChannel } from "./channels.js";
import type { DeviceProfile } from "./device-profile.js";
import type { Preset } from "./preset-table.js";
import { recordItemsInRange, type Recording } from "./recordings.js";

/** What the device holds per channel, for RecordInfo and PresetQuery answers. */
export interface ChannelStore {
  recordings(channelId: string): readonly Recording[];
  presets(channelId: string): readonly Preset[];
}

/** A.2.1 dateTime: local time without a zone. */
export function deviceTime(now: Date): string {
  return formatGbLocalTime(Math.floor(now.getTime() / 1000), -now.getTimezoneOffset());
}

/**
 * The MANSCDP bodies answering a query, each to be sent as its own MESSAGE
 * (GB/T 28181-2016 §9.5.2). A catalog is split into pages that all carry the total
 * in SumNum; so are RecordInfo (A.2.6.6) and PresetQuery answers. An empty list means the query
 * is not one the device answers.
 */
export function answerQuery(
  query: ManscdpMessage,
  profile: DeviceProfile,
  channels: readonly SimulatedChannel[],
  now: Date,
  store: ChannelStore,
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
    case "RecordInfo": {
      const items = recordItemsFor(query, profile, store);
      const pages = items.length === 0 ? [[]] : paginate(items, profile.recordPage);
      return pages.map((page) => buildRecordInfoResponse({ ...envelope, name: profile.name, sumNum: items.length, items: page }));
    }
    case "PresetQuery": {
      const items = store.presets(query.deviceId).map((preset) => ({ presetId: String(preset.index), presetName: preset.name }));
      const pages = items.length === 0 ? [[]] : paginate(items, profile.presetPage);
      return pages.map((page) => withSumNum(buildPresetQueryResponse({ ...envelope, items: page }), items.length));
    }
    default:
      return [];
  }
}

/** A query without a readable range gets nothing, as devices answer SumNum 0. */
function recordItemsFor(query: RecordInfoQuery, profile: DeviceProfile, store: ChannelStore) {
  const offset = profile.utcOffsetMinutes;
  const start = query.startTime === undefined ? undefined : parseGbLocalTime(query.startTime, offset);
  const end = query.endTime === undefined ? undefined : parseGbLocalTime(query.endTime, offset);
  if (start === undefined || end === undefined) return [];
  return recordItemsInRange(query.deviceId, store.recordings(query.deviceId), start, end, offset);
}

/**
 * A PresetQuery part with the total in SumNum before PresetList, as devices sending several
 * parts do (the standard's PresetList Num counts one part). The builder has no SumNum; every
 * charset the device uses is ASCII-compatible, so the element is spliced in byte for byte.
 */
function withSumNum(body: Buffer, sumNum: number): Buffer {
  const text = body.toString("latin1");
  const at = text.indexOf("<PresetList");
  if (at < 0) return body;
  return Buffer.from(`${text.slice(0, at)}<SumNum>${sumNum}</SumNum>\r\n${text.slice(at)}`, "latin1");
}
