/**
 * A GB live stream is named by its device and its channel, `<device code>_<channel code>`: channel
 * codes are unique per device only (many cameras ship with the same factory-default channel code),
 * so a channel code alone may name several cameras. Codes are letters, digits and `-`, never `_`.
 */
const SEPARATOR = "_";

export function deviceChannelStreamId(deviceCode: string, channelCode: string): string {
  return `${deviceCode}${SEPARATOR}${channelCode}`;
}

/** `<device>_<channel>` split in two; a bare code has no device part. */
export function splitDeviceChannel(id: string): { deviceId?: string; channelId: string } {
  const at = id.indexOf(SEPARATOR);
  if (at <= 0 || at === id.length - 1) return { channelId: id };
  return { deviceId: id.slice(0, at), channelId: id.slice(at + 1) };
}
