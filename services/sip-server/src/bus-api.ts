import {
  BusHandlerError,
  catalogRefresh,
  deviceChanged,
  deviceInfoQuery,
  deviceKeepalives,
  deviceStatusQuery,
  playbackControl,
  presetControl,
  presetQuery,
  ptzControl,
  recordQuery,
  sipBye,
  sipInvite,
  type Bus,
  type DeviceInfoFields,
  type DeviceStatusReply,
} from "@ivc/bus";
import type { DeviceStatusResponse } from "@ivc/gb28181";
import { deviceOfChannel, type ChannelIndex } from "./channel-index.js";
import type { DeviceControls } from "./device-controls.js";
import type { DeviceListQueries } from "./device-list-queries.js";
import { DeviceQueryError, type DeviceQueries } from "./device-queries.js";
import type { MediaSessions } from "./media-sessions.js";
import { presetCommandOf, ptzCommandOf } from "./ptz-commands.js";
import type { Registration, RegistrationStore } from "./registration-store.js";

export interface BusApiOptions {
  bus: Bus;
  clusterId: string;
  store: RegistrationStore;
  queries: DeviceQueries;
  media: MediaSessions;
  channels: ChannelIndex;
  controls: DeviceControls;
  lists: DeviceListQueries;
  /** PTZ_PULSE: how long a move runs when the request names no pulseMs. */
  ptzPulseMs: number;
  /** A device's record changed in the API (cache invalidation on every instance). */
  onDeviceChanged: (deviceId: string, change: "upserted" | "deleted") => void;
}

const QUEUE = "sip-server";

export type BusSubscription = ReturnType<Bus["subscribe"]>;

/** The sip-server's NATS request API (contracts in packages/bus, subjects scoped by cluster). */
export function serveBusApi(options: BusApiOptions): BusSubscription[] {
  const { bus, clusterId, store, queries, media, channels, controls, lists } = options;
  const registered = async (deviceId: string): Promise<Registration> => {
    const registration = await store.get(deviceId);
    if (!registration) throw new BusHandlerError("device_offline", `device ${deviceId} is not registered`);
    return registration;
  };
  const channelTarget = async ({ deviceId, channelId }: { deviceId?: string | undefined; channelId: string }) => ({
    registration: await registered(await deviceOfChannel(channels, deviceId, channelId)),
    channelId,
  });
  const asked = async <T>(query: Promise<T>): Promise<T> => {
    try {
      return await query;
    } catch (err) {
      if (err instanceof DeviceQueryError) throw new BusHandlerError(err.code, err.message);
      throw err;
    }
  };
  return [
    bus.reply(catalogRefresh, { clusterId }, async ({ deviceId }) => ({ sn: await asked(queries.requestCatalog(await registered(deviceId))) }), {
      queue: QUEUE,
    }),
    bus.reply(
      deviceInfoQuery,
      { clusterId },
      async ({ deviceId }): Promise<DeviceInfoFields> => {
        const info = await asked(queries.deviceInfo(await registered(deviceId)));
        return compact({ manufacturer: info.manufacturer, model: info.model, firmware: info.firmware, channelCount: info.channel });
      },
      { queue: QUEUE },
    ),
    bus.reply(deviceStatusQuery, { clusterId }, async ({ deviceId }) => toStatusReply(await asked(queries.deviceStatus(await registered(deviceId)))), {
      queue: QUEUE,
    }),
    bus.reply(deviceKeepalives, { clusterId }, async ({ deviceIds }) => ({ devices: await store.keepalives(deviceIds) }), { queue: QUEUE }),
    bus.reply(sipInvite, { clusterId }, (request) => media.invite(request), { queue: QUEUE }),
    bus.reply(sipBye, { clusterId }, async ({ callId, reason }) => ({ sent: await media.bye(callId, reason) }), { queue: QUEUE }),
    bus.reply(
      ptzControl,
      { clusterId },
      async (request) => {
        const { registration, channelId } = await channelTarget(request);
        await asked(controls.move(registration, channelId, ptzCommandOf(request.action, request.speed), request.pulseMs ?? options.ptzPulseMs));
        return { result: "OK" as const };
      },
      { queue: QUEUE },
    ),
    bus.reply(
      presetControl,
      { clusterId },
      async (request) => {
        const { registration, channelId } = await channelTarget(request);
        await asked(controls.command(registration, channelId, presetCommandOf(request.command, request.index)));
        return { result: "OK" as const };
      },
      { queue: QUEUE },
    ),
    bus.reply(
      presetQuery,
      { clusterId },
      async (request) => {
        const { registration, channelId } = await channelTarget(request);
        return asked(lists.presets(registration, channelId));
      },
      { queue: QUEUE },
    ),
    bus.reply(
      recordQuery,
      { clusterId },
      async (request) => {
        if (request.start > request.end) throw new BusHandlerError("bad_request", "start is after end");
        const { registration, channelId } = await channelTarget(request);
        return asked(lists.recordInfo(registration, channelId, request.start, request.end, request.type));
      },
      { queue: QUEUE },
    ),
    bus.reply(
      playbackControl,
      { clusterId },
      async ({ streamId, action, scale, pos }) => {
        await media.playbackControl(streamId, { action, scale, pos });
        return { result: "OK" as const };
      },
      { queue: QUEUE },
    ),
    bus.subscribe(deviceChanged, ({ deviceId, change }) => options.onDeviceChanged(deviceId, change)),
  ];
}

export function toStatusReply(status: DeviceStatusResponse): DeviceStatusReply {
  return compact({
    online: status.online ?? true,
    statusOk: status.status !== "ERROR" && status.result !== "ERROR",
    encode: status.encode === undefined ? undefined : status.encode === "ON",
    record: status.record === undefined ? undefined : status.record === "ON",
    deviceTime: status.deviceTime,
    alarms: status.alarmStatus.length > 0 ? status.alarmStatus.map((a) => ({ channelId: a.deviceId, status: a.dutyStatus ?? "" })) : undefined,
  }) as DeviceStatusReply;
}

/** Drops undefined fields (the contracts use optional, not undefined-valued, properties). */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
