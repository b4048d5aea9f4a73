import { recordingRetrievalChanged, type Bus, type RetrievalChange } from "@ivc/bus";

interface Logger {
  warn(obj: object, msg: string): void;
}

/** Tells the relays holding a retrieval task's segments to do its work now (retrievetask/add, delete). */
export interface RetrievalChanges {
  changed(change: Omit<RetrievalChange, "at">): void;
}

export function createNatsRetrievalChanges(bus: Bus, logger: Logger): RetrievalChanges {
  return {
    changed(change) {
      if (change.clusterIds.length === 0) return; // nothing archived: no relay has work
      try {
        bus.publish(recordingRetrievalChanged, { ...change, at: Date.now() });
      } catch (err) {
        // The relays' periodic lifecycle pass still picks the task up; the task itself is stored.
        logger.warn({ err, taskId: change.taskId, stage: "retrieval notify" }, "recording.retrieval-changed not published");
      }
    },
  };
}
