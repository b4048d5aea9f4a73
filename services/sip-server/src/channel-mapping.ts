import type { CatalogChannel, CatalogDirectory } from "@ivc/bus";
import { catalogEntryKind, type CatalogItem } from "@ivc/gb28181";

/** A catalog item as the bus carries it; absent Status counts as online (many IPCs omit it). */
export function toCatalogChannel(item: CatalogItem): CatalogChannel {
  const channel: CatalogChannel = { channelId: item.deviceId, name: item.name ?? "", online: item.status !== "OFF" };
  if (item.manufacturer !== undefined) channel.manufacturer = item.manufacturer;
  if (item.model !== undefined) channel.model = item.model;
  if (item.parentId !== undefined) channel.parentId = item.parentId;
  if (item.civilCode !== undefined) channel.civilCode = item.civilCode;
  if (item.address !== undefined) channel.address = item.address;
  if (item.ptzType !== undefined && Number.isInteger(item.ptzType)) channel.ptzType = item.ptzType;
  if (item.longitude !== undefined && Number.isFinite(item.longitude)) channel.longitude = item.longitude;
  if (item.latitude !== undefined && Number.isFinite(item.latitude)) channel.latitude = item.latitude;
  return channel;
}

export interface SortedCatalog {
  /** Entries that carry video: the device's channels. */
  readonly channels: CatalogItem[];
  /** Civil-code nodes, business groups, virtual organizations, devices, alarm inputs. */
  readonly directories: CatalogDirectory[];
}

/** Splits catalog items into video channels and the directory entries around them. */
export function sortCatalog(items: readonly CatalogItem[]): SortedCatalog {
  const sorted: SortedCatalog = { channels: [], directories: [] };
  for (const item of items) {
    const kind = catalogEntryKind(item);
    if (kind === "video-channel") {
      sorted.channels.push(item);
      continue;
    }
    const directory: CatalogDirectory = { code: item.deviceId, name: item.name ?? "", kind };
    if (item.parentId !== undefined) directory.parentId = item.parentId;
    if (item.civilCode !== undefined) directory.civilCode = item.civilCode;
    if (item.businessGroupId !== undefined) directory.businessGroupId = item.businessGroupId;
    sorted.directories.push(directory);
  }
  return sorted;
}
