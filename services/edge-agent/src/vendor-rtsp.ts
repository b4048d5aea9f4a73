import type { GatewayProtocolType } from "@ivc/bus";

export const RTSP_DEFAULT_PORT = 554;

/**
 * RTSP URL of channel `channel` (from 1), main stream, in each vendor's documented layout. The
 * vendors' SDKs (G5's 海康SDK/大华SDK/宇视SDK) are not available to us, so protocols 1-3 use these
 * layouts, plus ONVIF where the device offers it. ONVIF (4) has no layout: GetStreamUri says.
 * - Hikvision ISAPI: /Streaming/Channels/<channel><01 main|02 sub>
 * - Dahua: /cam/realmonitor?channel=<channel>&subtype=<0 main|1 sub>
 * - Uniview: /unicast/c<channel>/s<0 main|1 sub>/live
 */
export function vendorRtspUrl(protocol: GatewayProtocolType, host: string, channel: number, rtspPort = RTSP_DEFAULT_PORT): string | undefined {
  const base = `rtsp://${host.includes(":") ? `[${host}]` : host}:${rtspPort}`;
  switch (protocol) {
    case 1:
      return `${base}/Streaming/Channels/${channel}01`;
    case 2:
      return `${base}/cam/realmonitor?channel=${channel}&subtype=0`;
    case 3:
      return `${base}/unicast/c${channel}/s0/live`;
    case 4:
      return undefined;
  }
}

/** The URL ffmpeg opens: credentials go into the userinfo (RFC 3986 §3.2.1), percent-encoded. */
export function withCredentials(rtspUrl: string, user: string, password: string): string {
  if (user === "") return rtspUrl;
  const url = new URL(rtspUrl);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  return url.toString();
}
