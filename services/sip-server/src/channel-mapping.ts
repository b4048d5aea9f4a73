import type { CatalogChannel } from "@ivc/bus";
import type { CatalogItem } from "@ivc/gb28181";

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
