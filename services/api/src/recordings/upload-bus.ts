import { ANY_CLUSTER, recordingUploadProgress, recordingUploadsDesired, type Bus, type UploadLimits } from "@ivc/bus";
import type { Db } from "../db/database.js";
import { listDueUploads, recordUploadProgress } from "./desired-uploads.js";
import { clusterOf } from "./recording-bus.js";

export interface UploadBusDeps {
  db: Db;
  /** The schedule's zone, minutes east of UTC (as for live recording). */
  utcOffsetMinutes: number;
  /** Handed to every relay with its pieces (UPLOAD_PER_DEVICE, UPLOAD_PER_SITE). */
  limits: UploadLimits;
  now?: () => Date;
}

/** The relays' upload questions (packages/bus recording-upload.ts): which pieces are due, and how each went. */
export function serveUploadBus(bus: Bus, deps: UploadBusDeps): Array<{ unsubscribe(): void }> {
  const now = deps.now ?? (() => new Date());
  const options = { queue: "api" };
  return [
    bus.reply(
      recordingUploadsDesired,
      { clusterId: ANY_CLUSTER },
      async (_request, meta) => ({ pieces: await listDueUploads(deps.db, clusterOf(meta), now(), deps.utcOffsetMinutes), limits: deps.limits }),
      options,
    ),
    bus.reply(
      recordingUploadProgress,
      { clusterId: ANY_CLUSTER },
      async (report, meta) => ({ updated: await recordUploadProgress(deps.db, clusterOf(meta), report, now()) }),
      options,
    ),
  ];
}
