import { ANY_CLUSTER, clusterOfSubject, recordingDesired, recordingSegmentsQuery, recordingSegmentStored, type Bus, type DesiredRecording } from "@ivc/bus";
import type { Db } from "../db/database.js";
import { indexSegment, segmentsInRange } from "./segment-index.js";

/** What the record plans say a cluster should be recording at `now` (services/api/src/recordings/desired-recordings.ts). */
export type ListDesiredRecordings = (clusterId: string, now: Date) => Promise<DesiredRecording[]>;

export interface RecordingBusDeps {
  db: Db;
  listDesiredRecordings: ListDesiredRecordings;
  now?: () => Date;
}

/** API instances share the relays' recording requests through one queue group. */
const QUEUE = "api";

/** The relays' recording questions: what to record, index this durable segment, which segments cover a range. */
export function serveRecordingBus(bus: Bus, deps: RecordingBusDeps): Array<{ unsubscribe(): void }> {
  const now = deps.now ?? (() => new Date());
  const options = { queue: QUEUE };
  return [
    bus.reply(
      recordingDesired,
      { clusterId: ANY_CLUSTER },
      async (_request, meta) => {
        const clusterId = clusterOfSubject(meta.subject);
        return { recordings: clusterId === undefined ? [] : await deps.listDesiredRecordings(clusterId, now()) };
      },
      options,
    ),
    bus.reply(
      recordingSegmentStored,
      { clusterId: ANY_CLUSTER },
      async (segment) => {
        await indexSegment(deps.db, segment);
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
  ];
}
