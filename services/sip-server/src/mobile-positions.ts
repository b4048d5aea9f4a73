import { devicePosition, type Bus, type DevicePosition } from "@ivc/bus";
import type { MobilePositionNotify } from "@ivc/gb28181";
import type { Redis } from "ioredis";

/**
 * The last MobilePosition of each device and channel, under `ivc:sip:<cluster>:position:<deviceId>`
 * (a hash: channel code → DevicePosition JSON), each one also published as `device.position`.
 * Only the last is kept: a track is the subscriber's business.
 */
export class MobilePositions {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    private readonly bus: Bus,
    private readonly clusterId: string,
  ) {
    this.prefix = `ivc:sip:${clusterId}:position:`;
  }

  async record(deviceId: string, message: MobilePositionNotify, at: number): Promise<void> {
    const { longitude, latitude, speed, direction, altitude, time } = message;
    const position: DevicePosition = {
      clusterId: this.clusterId,
      deviceId,
      channelId: message.deviceId,
      longitude,
      latitude,
      ...(speed === undefined ? {} : { speed }),
      ...(direction === undefined ? {} : { direction }),
      ...(altitude === undefined ? {} : { altitude }),
      ...(time === undefined ? {} : { time }),
      at,
    };
    await this.redis.hset(this.prefix + deviceId, position.channelId, JSON.stringify(position));
    this.bus.publish(devicePosition, position);
  }
}
