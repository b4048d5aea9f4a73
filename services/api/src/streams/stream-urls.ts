import { signStreamPath } from "@ivc/media";
import type { UrlSigning } from "../store/stream-auth.js";

/** Where a service node's media-relay listens (service_nodes row). */
export interface MediaEndpoint {
  readonly mediaHost: string;
  readonly mediaHttpPort: number;
  readonly rtmpPort: number;
  /** The play domain bound to the node for this account (domain/add): viewers get `https://<domain>:<port>`. */
  readonly https?: { readonly domain: string; readonly port: number } | undefined;
}

/** What the relay needs to start a GB live stream without asking anyone: the device and the transport to INVITE. */
export interface GbSource {
  readonly deviceCode: string;
  readonly transport: "udp" | "tcp-passive";
}

/** What the relay needs to start a gateway channel: the box to ask for a push (`gw.stream.start`). */
export interface GatewaySource {
  readonly gwId: string;
}

/** Where a stream that is not running comes from; absent for RTMP devices, which push on their own. */
export type StreamSource = GbSource | GatewaySource;

export interface PlayOptions {
  /** Spec 02 §18 `StreamType`, carried as `stream_type` like the spec's example URL. */
  readonly streamType: number | undefined;
  /** Spec 02 §18 `Resolution`, carried as `resolution`. */
  readonly resolution: string | undefined;
}

export interface PlayUrls {
  Flv: string;
  Hls: string;
}

function authority(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** Where viewers reach the relay: the bound play domain over TLS, else the media host over plain HTTP. */
function viewerBase(node: MediaEndpoint): string {
  return node.https ? `https://${authority(node.https.domain, node.https.port)}` : `http://${authority(node.mediaHost, node.mediaHttpPort)}`;
}

/** The relay's one application: pushes go to `/live/<code>`, live and playback streams play under `/live/`. */
export const LIVE_APP = "live";

/**
 * The path a signature covers: the stream `/<app>/<streamId>`, whatever the protocol, because
 * media-relay verifies `sign` against that path for RTMP, HTTP-FLV, WS-FLV and HLS alike
 * (packages/media stream-sign, packages/bus `api.stream.authorize`).
 */
export const streamPath = (streamId: string) => `/${LIVE_APP}/${streamId}`;

/** The relay's viewer paths (services/media-relay http-routes). */
const flvPath = (streamId: string) => `${streamPath(streamId)}.live.flv`;
const hlsPath = (streamId: string) => `/hls/${streamId}/index.m3u8`;

/** `params` plus node-media-server's `sign=<expiry>-<md5(path-expiry-secret)>` when signing is on. */
function signedQuery(streamId: string, params: URLSearchParams, signing: UrlSigning | undefined, nowSeconds: number): string {
  const query = new URLSearchParams(params);
  if (signing) query.set("sign", signStreamPath(streamPath(streamId), signing.secret, nowSeconds + signing.validSeconds));
  const text = query.toString();
  return text === "" ? "" : `?${text}`;
}

/** The RTMP push URL of an RTMP device (spec 02 §4 `PushStreamUrl`): `rtmp://<media host>:<RTMP port>/live/<Code>`. */
export function pushStreamUrl(node: MediaEndpoint, deviceCode: string, signing: UrlSigning | undefined, nowSeconds: number): string {
  const base = `rtmp://${authority(node.mediaHost, node.rtmpPort)}`;
  return `${base}${streamPath(deviceCode)}${signedQuery(deviceCode, new URLSearchParams(), signing, nowSeconds)}`;
}

/**
 * Adds what steers the relay's start of the stream to `params`: the GB device and its transport
 * (INVITE) or the gateway (`gw`), the stream type or resolution.
 */
function setSteering(params: URLSearchParams, source: StreamSource | undefined, options: PlayOptions): URLSearchParams {
  if (source && "gwId" in source) params.set("gw", source.gwId);
  else if (source) {
    params.set("device", source.deviceCode);
    params.set("transport", source.transport);
  }
  if (options.streamType !== undefined) params.set("stream_type", String(options.streamType));
  if (options.resolution !== undefined) params.set("resolution", options.resolution);
  return params;
}

/**
 * HTTP-FLV and HLS URLs of stream `streamId` on `node` (spec 02 §18). Only the stream path is
 * signed; `device`, `transport`, `gw`, `stream_type` and `resolution` only steer the relay.
 */
export function playUrls(
  node: MediaEndpoint,
  streamId: string,
  source: StreamSource | undefined,
  options: PlayOptions,
  signing: UrlSigning | undefined,
  nowSeconds: number,
): PlayUrls {
  const query = signedQuery(streamId, setSteering(new URLSearchParams(), source, options), signing, nowSeconds);
  const base = viewerBase(node);
  return { Flv: `${base}${flvPath(streamId)}${query}`, Hls: `${base}${hlsPath(streamId)}${query}` };
}

/**
 * The HTTP-FLV URL of a device-local recording (spec 02 §22): stream `<channel code>@<session>`,
 * `start`/`end` in epoch seconds as the example prints them, then the live URL's steering and
 * signature. The signature covers `/live/<channel code>@<session>`, so it is good for that session only.
 */
export function recordFlvUrl(
  node: MediaEndpoint,
  streamId: string,
  source: GbSource,
  range: { readonly start: number; readonly end: number },
  options: PlayOptions,
  signing: UrlSigning | undefined,
  nowSeconds: number,
): string {
  const params = setSteering(new URLSearchParams({ start: String(range.start), end: String(range.end) }), source, options);
  return `${viewerBase(node)}${flvPath(streamId)}${signedQuery(streamId, params, signing, nowSeconds)}`;
}

/**
 * Spec 02 §21 cloud playback: `<viewer base>/record/<device>_<channel>/hls.m3u8?starttime=&endtime=&sign=`,
 * served by the relay from stored segments; `sign` covers `/live/<streamId>` like every pull.
 */
export function cloudPlaybackUrl(node: MediaEndpoint, streamId: string, range: { readonly start: number; readonly end: number }, signing: UrlSigning | undefined, nowSeconds: number): string {
  const params = new URLSearchParams({ starttime: String(range.start), endtime: String(range.end) });
  return `${viewerBase(node)}/record/${streamId}/hls.m3u8${signedQuery(streamId, params, signing, nowSeconds)}`;
}

/**
 * Spec 02 §24 cloud download: `<viewer base>/video.<mp4|ts>?source=&res=&expires=&signTime=&sign=`
 * (the example's query, in its order), served by the relay; the query carries its own signature
 * (recordings/download-url.ts), not the account's pull signing, because the document makes every
 * download URL expire after 10 minutes whether or not pull authentication is on.
 */
export function cloudDownloadUrl(node: MediaEndpoint, fileType: string, query: Readonly<Record<string, string>>): string {
  return `${viewerBase(node)}/video.${fileType}?${new URLSearchParams(query).toString()}`;
}
