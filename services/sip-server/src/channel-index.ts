import { BusHandlerError } from "@ivc/bus";
import type { Redis } from "ioredis";
import { RedisScript } from "./redis-script.js";
import type { RegistrationStore } from "./registration-store.js";

// Only a registered device records: a catalog assembled after its device went offline (published
// at the timeout) must not bring back what forgetDevice removed.
const RECORD = new RedisScript(`
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
for i = 3, #ARGV do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[1])
  redis.call('SADD', KEYS[2], ARGV[i])
  redis.call('SADD', ARGV[2] .. ARGV[i], ARGV[1])
end
return 1`);

const FORGET = new RedisScript(`
if redis.call('HGET', KEYS[1], ARGV[3]) == ARGV[1] then redis.call('HDEL', KEYS[1], ARGV[3]) end
redis.call('SREM', KEYS[2], ARGV[3])
redis.call('SREM', ARGV[2] .. ARGV[3], ARGV[1])
return 1`);

// Channels another device reported since stay with that device.
const FORGET_DEVICE = new RedisScript(`
for _, channelId in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('HGET', KEYS[1], channelId) == ARGV[1] then redis.call('HDEL', KEYS[1], channelId) end
  redis.call('SREM', ARGV[2] .. channelId, ARGV[1])
end
redis.call('DEL', KEYS[2])
return 1`);

/**
 * Which registered device owns each channel ID, filled from the catalogs the server assembles
 * and from catalog changes, and emptied of a device's channels when it goes offline (its next
 * REGISTER queries the catalog again). A viewer's URL often names only the channel (NVR channels
 * are not the NVR's own code), and the INVITE must go to the device that reported it. Kept as a
 * hash channel → device, a set of channels per device, and a set of devices per channel: channel
 * codes are unique per device only (factory defaults repeat), so a code two registered devices
 * report names no device.
 */
export class ChannelIndex {
  private readonly key: string;
  private readonly devicePrefix: string;
  private readonly reportersPrefix: string;

  constructor(
    private readonly redis: Redis,
    namespace: string,
    private readonly registrations: RegistrationStore,
  ) {
    this.key = `ivc:sip:${namespace}:channel-owner`;
    this.devicePrefix = `ivc:sip:${namespace}:device-channels:`;
    this.reportersPrefix = `ivc:sip:${namespace}:channel-devices:`;
  }

  /** Records that `deviceId` reports these channels (a later catalog from another device wins); nothing once it is offline. */
  async record(deviceId: string, channelIds: readonly string[]): Promise<void> {
    if (channelIds.length === 0) return;
    await RECORD.run(this.redis, this.keys(deviceId), [deviceId, this.reportersPrefix, ...channelIds]);
  }

  /** Forgets a channel the device deleted (catalog DEL), unless another device owns it now. */
  async forget(deviceId: string, channelId: string): Promise<void> {
    await FORGET.run(this.redis, this.keys(deviceId), [deviceId, this.reportersPrefix, channelId]);
  }

  /** Forgets every channel the device owns (it went offline). */
  async forgetDevice(deviceId: string): Promise<void> {
    await FORGET_DEVICE.run(this.redis, this.keys(deviceId), [deviceId, this.reportersPrefix]);
  }

  owner(channelId: string): Promise<string | null> {
    return this.redis.hget(this.key, channelId);
  }

  /** The registered devices whose catalogs report `channelId`. */
  reporters(channelId: string): Promise<string[]> {
    return this.redis.smembers(this.reportersPrefix + channelId);
  }

  private keys(deviceId: string): string[] {
    return [this.key, this.devicePrefix + deviceId, this.registrations.keyOf(deviceId)];
  }
}

/**
 * The device to address for a channel: the one a request names, else the channel's owner from
 * the catalogs, else the channel code itself (an IPC reporting its own code). A channel code
 * several registered devices report is refused (`ambiguous_channel`): guessing would send one
 * camera's picture to a viewer of another.
 */
export async function deviceOfChannel(channels: ChannelIndex, deviceId: string | undefined, channelId: string): Promise<string> {
  if (deviceId !== undefined) return deviceId;
  const reporters = await channels.reporters(channelId);
  if (reporters.length > 1) {
    throw new BusHandlerError("ambiguous_channel", `channel ${channelId} is reported by ${reporters.length} devices (${reporters.sort().join(", ")}); name the device`);
  }
  return reporters[0] ?? (await channels.owner(channelId)) ?? channelId;
}
