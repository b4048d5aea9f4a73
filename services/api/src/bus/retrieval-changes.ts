import { recordingRetrievalChanged, type Bus, type RetrievalChange } from "@ivc/bus";
import { publishNotice, type WarnLogger } from "./publish-notice.js";

/** Tells the relays holding a retrieval task's segments to do its work now (retrievetask/add, delete). */
export interface RetrievalChanges {
  changed(change: Omit<RetrievalChange, "at">): void;
}

export function createNatsRetrievalChanges(bus: Bus, logger: WarnLogger): RetrievalChanges {
  return {
    changed(change) {
      if (change.clusterIds.length === 0) return; // nothing archived: no relay has work
      // Unpublished, the relays' periodic lifecycle pass still picks the task up.
      publishNotice(bus, logger, recordingRetrievalChanged, { ...change, at: Date.now() }, { taskId: change.taskId, stage: "retrieval notify" });
    },
  };
}
