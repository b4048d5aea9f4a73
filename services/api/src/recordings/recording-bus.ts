import {
  ANY_CLUSTER,
  BusHandlerError,
  clusterOfSubject,
  recordingDesired,
  recordingDownloadAuthorize,
  recordingLifecycleDone,
  recordingLifecycleDue,
  recordingRestoreDone,
  recordingRestoreDue,
  recordingSegmentsQuery,
  recordingSegmentStored,
  type Bus,
  type DesiredRecording,
  type RequestMeta,
} from "@ivc/bus";
import type { SecretBox } from "../accounts/secret-box.js";
import type { Db } from "../db/database.js";
import { restoreDone, restoreDue } from "../store/retrieval-tasks.js";
import { grantDownload } from "./download-grant.js";
import { advanceUploadPieces } from "./desired-uploads.js";
import { DOWNLOAD_URL_PURPOSE } from "./download-url.js";
import { indexSegment, lifecycleDone, lifecycleDue, segmentsInRange } from "./segment-index.js";
import { expiredSnapshots, snapshotDeleted } from "../store/ai-tasks.js";

/** What the record plans say a cluster should be recording at `now` (services/api/src/recordings/desired-recordings.ts). */
export type ListDesiredRecordings = (clusterId: string, now: Date) => Promise<DesiredRecording[]>;

export interface RecordingBusDeps {
  db: Db;
  listDesiredRecordings: ListDesiredRecordings;
  /** Verifies download URLs (the key VideoDownloadUrl signs them with). */
  box: Pick<SecretBox, "mac">;
  now?: () => Date;
}

/** API instances share the relays' recording requests through one queue group. */
const QUEUE = "api";

/** The relays' recording questions: what to record, index this durable segment, which segments cover a range, lifecycle and retrieval work, may this download go on. */
export function serveRecordingBus(bus: Bus, deps: RecordingBusDeps): Array<{ unsubscribe(): void }> {
  const now = deps.now ?? (() => new Date());
  const options = { queue: QUEUE };
  return [
    bus.reply(
      recordingDesired,
      { clusterId: ANY_CLUSTER },
      async (_request, meta) => ({ recordings: await deps.listDesiredRecordings(clusterOf(meta), now()) }),
      options,
    ),
    bus.reply(
      recordingSegmentStored,
      { clusterId: ANY_CLUSTER },
      async (segment, meta) => {
        await indexSegment(deps.db, clusterOf(meta), segment);
        await advanceUploadPieces(deps.db, clusterOf(meta), segment);
        return { indexed: true };
      },
      options,
    ),
    bus.reply(
      recordingSegmentsQuery,
      { clusterId: ANY_CLUSTER },
      async (query) => ({ segments: await segmentsInRange(deps.db, query.deviceId, query.channelId, query.startMs, query.endMs) }),
      options,
    ),
    bus.reply(
      recordingDownloadAuthorize,
      { clusterId: ANY_CLUSTER },
      (params, meta) => grantDownload(deps.db, (text) => deps.box.mac(DOWNLOAD_URL_PURPOSE, text), clusterOf(meta), params, Math.floor(now().getTime() / 1000)),
      options,
    ),
    bus.reply(
      recordingLifecycleDue,
      { clusterId: ANY_CLUSTER },
      async (request, meta) => {
        const clusterId = clusterOf(meta);
        const at = new Date(request.now);
        return { ...(await lifecycleDue(deps.db, clusterId, at, request.limit)), snapshotsToDelete: await expiredSnapshots(deps.db, clusterId, at, request.limit) };
      },
      options,
    ),
    bus.reply(
      recordingLifecycleDone,
      { clusterId: ANY_CLUSTER },
      async (request, meta) => {
        const clusterId = clusterOf(meta);
        return { updated: request.action === "snapshot-deleted" ? await snapshotDeleted(deps.db, clusterId, request.objectKey) : await lifecycleDone(deps.db, clusterId, request.objectKey, request.action) };
      },
      options,
    ),
    bus.reply(recordingRestoreDue, { clusterId: ANY_CLUSTER }, (request, meta) => restoreDue(deps.db, clusterOf(meta), new Date(request.now), request.limit), options),
    bus.reply(
      recordingRestoreDone,
      { clusterId: ANY_CLUSTER },
      async (request, meta) => ({ updated: await restoreDone(deps.db, clusterOf(meta), request.objectKey, request.action, new Date(request.now)) }),
      options,
    ),
  ];
}

/** The cluster a request was sent on (`ANY_CLUSTER` subscriptions hear every cluster's). */
export function clusterOf(meta: RequestMeta): string {
  const clusterId = clusterOfSubject(meta.subject);
  if (clusterId === undefined) throw new BusHandlerError("bad_subject", `no cluster id in ${meta.subject}`);
  return clusterId;
}
