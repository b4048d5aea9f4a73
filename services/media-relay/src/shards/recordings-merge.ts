import type { DesiredRecording } from "@ivc/bus";
import type { RecordingStatus } from "../recording/channel-recording.js";
import type { UploadStatus } from "../recording/uploader.js";
import { shardOfStream } from "./placement.js";
import type { ShardAnswer } from "./shard-protocol.js";

/** One relay process's recorded channels, as it answers the `recordings` shard request. */
export interface ShardRecordings {
  shard: number;
  pid: number;
  recordings: RecordingStatus[];
  uploads: UploadStatus[];
}

/** The operator view (`GET /api/recordings`): every process of the relay, and every channel it should record. */
export interface RecordingsView {
  shards: Array<{ shard: number; up: boolean; pid?: number; reason?: string }>;
  recordings: Array<RecordingStatus & { shard: number }>;
  uploads: Array<UploadStatus & { shard: number }>;
}

/**
 * One list from each shard process's own (`answers[i]` is shard i; shard 0 is the caller). A
 * shard that does not answer (killed, restarting) would make its channels vanish from the list
 * exactly when they are not recorded, so they are listed from the schedule shard 0 polls too,
 * as retrying with the reason; their figures are unknown until the shard answers again.
 */
export function mergeRecordings(answers: ReadonlyArray<ShardAnswer<ShardRecordings>>, desired: readonly DesiredRecording[]): RecordingsView {
  const count = answers.length;
  const shards: RecordingsView["shards"] = [];
  const recordings: RecordingsView["recordings"] = [];
  const uploads: RecordingsView["uploads"] = [];
  for (const answer of answers) {
    if (answer.ok) {
      shards.push({ shard: answer.shard, up: true, pid: answer.value.pid });
      recordings.push(...answer.value.recordings.map((r) => ({ ...r, shard: answer.shard })));
      uploads.push(...answer.value.uploads.map((u) => ({ ...u, shard: answer.shard })));
      continue;
    }
    shards.push({ shard: answer.shard, up: false, reason: answer.error });
    for (const d of desired) {
      if (shardOfStream(d.streamId, count) !== answer.shard) continue;
      const { deviceId, channelId, streamId, planId } = d;
      recordings.push({ deviceId, channelId, streamId, planId, state: "retrying", reason: `relay shard ${answer.shard} not answering: ${answer.error}`, segmentsStored: 0, bytesToday: 0, shard: answer.shard });
    }
  }
  recordings.sort((a, b) => (a.deviceId === b.deviceId ? a.channelId.localeCompare(b.channelId) : a.deviceId.localeCompare(b.deviceId)));
  return { shards, recordings, uploads };
}
