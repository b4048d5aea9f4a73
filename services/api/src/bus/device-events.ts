import type { Db } from "../db/database.js";
import { setAllChannelsOffline, setChannelState, upsertChannels } from "../store/channels.js";
import type { CatalogEntry } from "../store/channels.js";
import { AccessProtocol } from "../store/device-enums.js";
import { findDeviceByCode, setLinkStatus, setManufacturer } from "../store/device-link.js";
import { LIVE_APP } from "../streams/stream-urls.js";

/** Event payloads as packages/bus defines them, narrowed to what the API reads. */
interface DeviceRef {
  clusterId: string;
  deviceId: string;
}
interface PushEvent {
  clusterId: string;
  app: string;
  streamId: string;
}
interface CatalogChannelEvent {
  channelId: string;
  name: string;
  manufacturer?: string | undefined;
  online: boolean;
  ptzType?: number | undefined;
}

function entry(c: CatalogChannelEvent): CatalogEntry {
  return { code: c.channelId, name: c.name, manufacturer: c.manufacturer, online: c.online, ptzType: c.ptzType };
}

/** Applies the sip-server's (and the relay's RTMP push) device events to the API's rows; events for unknown devices are ignored. */
export function createDeviceEventHandlers(db: Db) {
  return {
    async online(event: DeviceRef): Promise<void> {
      const device = await findDeviceByCode(db, event.deviceId, event.clusterId);
      if (device) await setLinkStatus(db, device.id, true);
    },
    async offline(event: DeviceRef): Promise<void> {
      const device = await findDeviceByCode(db, event.deviceId, event.clusterId);
      if (!device) return;
      await setLinkStatus(db, device.id, false);
      await setAllChannelsOffline(db, device.id);
    },
    async catalog(event: DeviceRef & { channels: CatalogChannelEvent[] }): Promise<void> {
      const device = await findDeviceByCode(db, event.deviceId, event.clusterId);
      if (device) await upsertChannels(db, device, event.channels.map(entry));
    },
    async channel(event: DeviceRef & { event: string; channel: CatalogChannelEvent }): Promise<void> {
      const device = await findDeviceByCode(db, event.deviceId, event.clusterId);
      if (!device) return;
      // GB/T 28181 §9.6.3 NOTIFY: ADD/UPDATE carry the item; DEL is kept as offline (spec 02 §8: no automatic deletion).
      if (event.event === "ADD" || event.event === "UPDATE") await upsertChannels(db, device, [entry(event.channel)]);
      else await setChannelState(db, device.id, event.channel.channelId, event.event === "ON");
    },
    /** media-relay's RTMP publish start/end: an RTMP device is online while it pushes to `/live/<its code>`. */
    async rtmpPush(event: PushEvent, pushing: boolean): Promise<void> {
      if (event.app !== LIVE_APP) return;
      const device = await findDeviceByCode(db, event.streamId, event.clusterId);
      if (device?.accessProtocol === AccessProtocol.Rtmp) await setLinkStatus(db, device.id, pushing);
    },
    async info(event: DeviceRef & { manufacturer?: string | undefined }): Promise<void> {
      if (event.manufacturer === undefined) return;
      const device = await findDeviceByCode(db, event.deviceId, event.clusterId);
      if (device) await setManufacturer(db, device.id, event.manufacturer);
    },
  };
}

export type DeviceEventHandlers = ReturnType<typeof createDeviceEventHandlers>;
