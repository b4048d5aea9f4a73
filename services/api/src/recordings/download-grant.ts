import type { DownloadError, recordingDownloadAuthorize } from "@ivc/bus";
import { eq } from "drizzle-orm";
import type { z } from "zod";
import type { Db } from "../db/database.js";
import { channels, devices } from "../db/schema.js";
import { verifyDownload, type DownloadMac, type DownloadUrlParams } from "./download-url.js";
import { segmentsInRange, type IndexedSegment } from "./segment-index.js";

type Reply = z.infer<typeof recordingDownloadAuthorize.reply>;

/**
 * Why a range cannot be downloaded: nothing recorded (42501), or some of it archived (42506). A
 * range partly cold is refused whole: a file named after the range that silently lacks its
 * archived part would look complete; the client restores it first (retrieval task) or asks a
 * shorter range. Gaps where nothing was recorded are simply absent, as on the timeline.
 */
export function downloadRefusal(segments: readonly IndexedSegment[]): { error: Extract<DownloadError, "notFound" | "notStandard">; detail: string } | undefined {
  if (segments.length === 0) return { error: "notFound", detail: "nothing recorded in the range" };
  const cold = segments.filter((s) => s.storageClass === "cold").length;
  if (cold > 0) return { error: "notStandard", detail: `${cold} of the range's ${segments.length} segments are archived (cold)` };
  return undefined;
}

/**
 * The API's answer to a relay presenting a download URL (`api.recording.download`): the signature
 * and validity first, then the channel (still there, and recorded by the asking relay's cluster:
 * another node's URL gets 42503, its bytes are not here), then the segments as they are now
 * (they may have gone cold or been deleted since the URL was issued).
 */
export async function grantDownload(db: Db, mac: DownloadMac, clusterId: string, params: DownloadUrlParams, nowSeconds: number): Promise<Reply> {
  const verdict = verifyDownload(mac, params, nowSeconds);
  if (!verdict.ok) return verdict;
  const { source } = verdict;
  const [found] = await db
    .select({ channelCode: channels.code, deviceCode: devices.code, clusterId: devices.clusterId })
    .from(channels)
    .innerJoin(devices, eq(devices.id, channels.deviceId))
    .where(eq(channels.id, source.channelId));
  if (found === undefined) return { ok: false, error: "notFound", detail: `channel ${source.channelId} no longer exists` };
  if (found.clusterId !== clusterId) return { ok: false, error: "invalidUrl", detail: `channel ${source.channelId} is recorded by another node` };
  const segments = await segmentsInRange(db, found.deviceCode, found.channelCode, source.beginTime * 1000, source.endTime * 1000);
  const refusal = downloadRefusal(segments);
  if (refusal !== undefined) return { ok: false, ...refusal };
  return {
    ok: true,
    channelUuid: source.channelId,
    beginTime: source.beginTime,
    endTime: source.endTime,
    fileType: source.fileType,
    deviceId: found.deviceCode,
    channelId: found.channelCode,
    segments: segments.map(({ startMs, endMs, bytes, objectKey }) => ({ startMs, endMs, bytes, objectKey })),
  };
}
