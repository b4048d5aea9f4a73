import type { IncomingMessage } from "node:http";
import { LIVE_APP } from "./rtmp-server.js";
import type { StreamAuthorizer } from "./stream-authorizer.js";

/** The viewer paths whose stream is checked: HTTP-FLV / WS-FLV and the HLS playlist. */
const LIVE = /^\/live\/([A-Za-z0-9_@-]{1,129})\.live\.flv$/;
const HLS_PLAYLIST = /^\/hls\/([A-Za-z0-9_@-]{1,129})\/index\.m3u8$/;

export type PullRejection = { status: 403 | 503; body: { error: string; reason: string; streamId: string } };

/**
 * Pull authentication for the HTTP viewer routes, with the same policy and signature as RTMP
 * play: `sign` is verified against `/live/<streamId>`, so one signed URL's query works for every
 * protocol. HLS segments are not checked: players fetch them by the playlist's relative names,
 * without the playlist's query, and they exist only while a checked playlist is being served.
 */
export class PullGuard {
  constructor(private readonly authorizer: StreamAuthorizer) {}

  /** undefined when the request may go on (or is not a viewer path). */
  async check(req: IncomingMessage): Promise<PullRejection | undefined> {
    const url = new URL(req.url ?? "/", "http://relay");
    const streamId = (LIVE.exec(url.pathname) ?? HLS_PLAYLIST.exec(url.pathname))?.[1];
    if (streamId === undefined) return undefined;
    const decision = await this.authorizer.check("pull", LIVE_APP, streamId, url.searchParams);
    if (decision.ok) return undefined;
    return { status: decision.status, body: { error: "pull not authorized", reason: decision.reason, streamId } };
  }
}
