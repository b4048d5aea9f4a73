import type { IncomingMessage } from "node:http";
import { HLS_PATH, LIVE_PATH, RECORD_PATH } from "../media-paths.js";
import { LIVE_APP } from "./rtmp-server.js";
import type { StreamAuthorizer } from "./stream-authorizer.js";

export type PullRejection = { status: 403 | 503; body: { error: string; reason: string; streamId: string } };

/** What a viewer request may go on with: the device the API answered for, when it named one. */
export type PullVerdict = { ok: true; deviceId?: string } | { ok: false; rejection: PullRejection };

/**
 * Pull authentication for the HTTP viewer routes, with the same policy and signature as RTMP
 * play: `sign` is verified against `/live/<streamId>`, so one signed URL's query works for every
 * protocol. HLS segments are checked like their playlist: the relay writes the playlist's query
 * (with its `sign`) into the segment names it serves. Cloud-recording playback is signed like the
 * live stream of its channel; downloads (DOWNLOAD_PATH) carry a signature of their own, which the
 * API verifies (recording/recorded-download.ts).
 */
export class PullGuard {
  constructor(private readonly authorizer: StreamAuthorizer) {}

  async check(req: IncomingMessage): Promise<PullVerdict> {
    const url = new URL(req.url ?? "/", "http://relay");
    const streamId = (LIVE_PATH.exec(url.pathname) ?? HLS_PATH.exec(url.pathname) ?? RECORD_PATH.exec(url.pathname))?.[1];
    if (streamId === undefined) return { ok: true };
    const named = url.searchParams.get("device") || undefined;
    const decision = await this.authorizer.check("pull", LIVE_APP, streamId, url.searchParams, named);
    if (decision.ok) return decision.deviceId !== undefined ? { ok: true, deviceId: decision.deviceId } : { ok: true };
    return { ok: false, rejection: { status: decision.status, body: { error: "pull not authorized", reason: decision.reason, streamId } } };
  }
}
