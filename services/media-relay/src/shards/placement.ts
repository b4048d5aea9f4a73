import { splitDeviceChannel } from "@ivc/media";
import { HLS_PATH, LIVE_PATH, PLAYS_PATH } from "../media-paths.js";
import { parseStreamId } from "../stream-registry.js";

/**
 * Which of the relay's shard processes owns a stream. Placement is by channel, not by stream id:
 * a channel's live, sub and playback streams and its play timelines all live in one shard, so a
 * timeline query or a stream-id variant (`<channel>?device=` vs `<device>_<channel>`) never needs
 * a second process. A pure hash needs no shared table and survives a restart of any process.
 */
export function shardOfChannel(channelId: string, shards: number): number {
  if (shards <= 1) return 0;
  // FNV-1a, 32 bit: GB codes differ in their last digits, and FNV spreads those well.
  let hash = 0x811c9dc5;
  for (let i = 0; i < channelId.length; i++) hash = Math.imul(hash ^ channelId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % shards;
}

export function shardOfStream(streamId: string, shards: number): number {
  return shardOfChannel(parseStreamId(streamId).channelId, shards);
}

/** A plays key (`<device>_<channel>` or a bare channel) as `/api/plays/` and media.timeline name it. */
export function shardOfPlaysKey(key: string, shards: number): number {
  return shardOfChannel(splitDeviceChannel(key).channelId, shards);
}


/**
 * The shard that serves an HTTP request target. Pushed streams (RTMP devices, gateway boxes with
 * `?gw=`) are held by shard 0, which runs the RTMP listener; everything that names no stream is
 * shard 0's too (health, metrics, 404s). That includes cloud-recording playback and downloads
 * (RECORD_PATH, DOWNLOAD_PATH): they read storage, which every shard opens, and keeping downloads
 * on shard 0 keeps the relay's one concurrency count (RECORDING_DOWNLOAD_CONCURRENCY) in one process.
 */
export function shardOfTarget(target: string, shards: number, isPushed: (streamId: string) => boolean): number {
  if (shards <= 1) return 0;
  const query = target.indexOf("?");
  const path = query < 0 ? target : target.slice(0, query);
  const params = new URLSearchParams(query < 0 ? "" : target.slice(query + 1));
  const plays = PLAYS_PATH.exec(path);
  if (plays) return shardOfPlaysKey(plays[1]!, shards);
  const stream = LIVE_PATH.exec(path) ?? HLS_PATH.exec(path);
  if (!stream) return 0;
  const streamId = stream[1]!;
  if ((params.get("gw") ?? "") !== "" || isPushed(streamId)) return 0;
  return shardOfStream(streamId, shards);
}
