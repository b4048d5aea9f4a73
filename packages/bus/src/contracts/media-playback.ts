import { z } from "zod";
import { defineRequest, subjectOf } from "../contract.js";

/** `<channelId>@<session>`: only playback streams can be paused. */
const playbackStreamId = z.string().regex(/^[A-Za-z0-9_-]{1,64}@[A-Za-z0-9_-]{1,64}$/, "<channelId>@<session>");

/**
 * The API tells the relay around a MANSRTSP PAUSE/PLAY (GB/T 28181-2016 Appendix B): a paused
 * device sends no RTP, so the relay holds the stream's "no RTP" watchdog while `paused` and
 * restarts its clock on resume. Viewers stay attached and a new one still gets the cached GOP.
 * Errors: `unknown_stream` (the relay holds no such stream).
 */
export const mediaPause = defineRequest(
  "media.pause",
  (p: { clusterId: string }) => subjectOf(p.clusterId, "media", "pause"),
  z.object({ streamId: playbackStreamId, paused: z.boolean() }),
  z.object({ paused: z.boolean() }),
);
