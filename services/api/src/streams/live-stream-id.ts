import { deviceChannelStreamId } from "@ivc/media";
import { AccessProtocol } from "../store/device-enums.js";

/**
 * The relay's live stream id of a channel: `<device code>_<channel code>` for GB (a channel code
 * alone may name several cameras, docs/api-decisions.md "Stream ids"), the channel code
 * `<box device id>-<n>` for gateway channels, the device code for RTMP devices (they push one stream).
 */
export function liveStreamId(accessProtocol: number, deviceCode: string, channelCode: string): string {
  if (accessProtocol === AccessProtocol.Gateway) return channelCode;
  if (accessProtocol === AccessProtocol.Rtmp) return deviceCode;
  return deviceChannelStreamId(deviceCode, channelCode);
}
