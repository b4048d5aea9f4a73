import type { IncomingMessage, ServerResponse } from "node:http";
import { recordingSegmentsQuery, type Bus } from "@ivc/bus";
import { splitDeviceChannel } from "@ivc/media";
import type { Logger } from "@ivc/runtime";
import { RECORD_PATH } from "../media-paths.js";
import { StorageMissingError, type SegmentStorage } from "./storage/segment-storage.js";

export interface RecordedPlaybackDeps {
  bus: Bus;
  clusterId: string;
  storage: SegmentStorage;
  logger: Logger;
}

const MAX_RANGE_SECONDS = 86_400;
/** Web players (hls.js in the console, on the API's origin) read playlists and segments cross-origin, as they do live HLS; the signed URL is the access check. */
const BROWSER_READABLE = { "access-control-allow-origin": "*" } as const;

/**
 * HLS over stored segments (spec 02 §21): a VOD playlist of the standard segments that overlap
 * the range, an EXT-X-DISCONTINUITY wherever the recording has a gap, and the segments served from
 * storage as written (no transcode). Segment URIs carry the playlist's query, so the pull guard
 * checks them with the same `sign`, and a segment is served only when it lies in that range.
 */
export class RecordedPlayback {
  constructor(private readonly deps: RecordedPlaybackDeps) {}

  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? "/", "http://relay");
    // `/record/<device>_<channel>/hls.m3u8` and its segments `seg-<startMs>.ts`, `starttime`/`endtime` (epoch s) in the query.
    const match = RECORD_PATH.exec(url.pathname);
    if (match === null) return false;
    void this.serve(url, match[1]!, match[3], res).catch((err: Error) => {
      this.deps.logger.warn({ streamId: match[1], stage: "recorded playback", err: err.message }, "recorded playback failed");
      if (!res.headersSent) fail(res, 503, "storage unavailable", err.message);
      else res.destroy();
    });
    return true;
  }

  private async serve(url: URL, streamId: string, segmentStart: string | undefined, res: ServerResponse): Promise<void> {
    const start = Number(url.searchParams.get("starttime"));
    const end = Number(url.searchParams.get("endtime"));
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end <= start || end - start > MAX_RANGE_SECONDS) {
      fail(res, 400, "bad range", "starttime and endtime are epoch seconds, starttime < endtime, at most one day apart");
      return;
    }
    const { deviceId, channelId } = splitDeviceChannel(streamId);
    if (deviceId === undefined) {
      fail(res, 400, "bad stream", "the stream is <device>_<channel>");
      return;
    }
    const { segments } = await this.deps.bus.request(recordingSegmentsQuery, { clusterId: this.deps.clusterId }, { deviceId, channelId, startMs: start * 1000, endMs: end * 1000 });
    const playable = segments.filter((s) => s.storageClass === "standard");
    if (segmentStart === undefined) {
      if (playable.length === 0) {
        fail(res, 404, "no recording", segments.length > 0 ? "the range's recordings are archived (cold)" : "nothing recorded in the range");
        return;
      }
      res.writeHead(200, { "content-type": "application/vnd.apple.mpegurl", "cache-control": "no-store", ...BROWSER_READABLE });
      res.end(playlist(playable, url.search));
      return;
    }
    const segment = playable.find((s) => s.startMs === Number(segmentStart));
    if (segment === undefined) {
      fail(res, 404, "no segment", `no playable segment starts at ${segmentStart} in the range`);
      return;
    }
    try {
      const data = await this.deps.storage.read(segment.objectKey, "standard");
      res.writeHead(200, { "content-type": "video/mp2t", "content-length": data.length, "cache-control": "private, max-age=3600", ...BROWSER_READABLE });
      res.end(data);
    } catch (err) {
      if (!(err instanceof StorageMissingError)) throw err;
      fail(res, 404, "no segment", err.message);
    }
  }
}

/** A VOD playlist; segments are whole (each starts on a keyframe), the player seeks within them. */
export function playlist(segments: ReadonlyArray<{ startMs: number; endMs: number }>, query: string): string {
  const target = Math.max(1, ...segments.map((s) => Math.ceil((s.endMs - s.startMs) / 1000)));
  const lines = ["#EXTM3U", "#EXT-X-VERSION:3", `#EXT-X-TARGETDURATION:${target}`, "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD"];
  let previousEnd: number | undefined;
  for (const s of segments) {
    if (previousEnd !== undefined && s.startMs !== previousEnd) lines.push("#EXT-X-DISCONTINUITY");
    lines.push(`#EXTINF:${((s.endMs - s.startMs) / 1000).toFixed(3)},`, `seg-${s.startMs}.ts${query}`);
    previousEnd = s.endMs;
  }
  lines.push("#EXT-X-ENDLIST", "");
  return lines.join("\n");
}

function fail(res: ServerResponse, status: number, error: string, reason: string): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...BROWSER_READABLE });
  res.end(JSON.stringify({ error, reason }));
}
