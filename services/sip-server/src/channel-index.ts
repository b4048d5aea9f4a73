import type { Redis } from "ioredis";

/**
 * Which registered device owns each channel ID, filled from the catalogs the server assembles
 * and from catalog changes. A viewer's URL often names only the channel (NVR channels are not
 * the NVR's own code), and the INVITE must go to the device that reported it.
 */
export class ChannelIndex {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    namespace: string,
  ) {
    this.key = `ivc:sip:${namespace}:channel-owner`;
  }

  /** Records that `deviceId` reports these channels (a later catalog from another device wins). */
  async record(deviceId: string, channelIds: readonly string[]): Promise<void> {
    if (channelIds.length === 0) return;
    await this.redis.hset(this.key, Object.fromEntries(channelIds.map((id) => [id, deviceId])));
  }

  /** Forgets a channel the device deleted (catalog DEL), unless another device owns it now. */
  async forget(deviceId: string, channelId: string): Promise<void> {
    if ((await this.redis.hget(this.key, channelId)) === deviceId) await this.redis.hdel(this.key, channelId);
  }

  owner(channelId: string): Promise<string | null> {
    return this.redis.hget(this.key, channelId);
  }
}

/**
 * The device to address for a channel: the one a request names, else the channel's owner from
 * the catalogs, else the channel code itself (an IPC reporting its own code).
 */
export async function deviceOfChannel(channels: ChannelIndex, deviceId: string | undefined, channelId: string): Promise<string> {
  return deviceId ?? (await channels.owner(channelId)) ?? channelId;
}
