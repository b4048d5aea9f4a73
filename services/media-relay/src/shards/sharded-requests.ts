import type { MediaRequests } from "../bus-api.js";
import { shardOfPlaysKey, shardOfStream } from "./placement.js";
import type { ShardOp } from "./shard-protocol.js";
import type { ShardPool } from "./shard-pool.js";

/** Signaling's requests as shard 0 answers them: its own streams here, the others' by their shard. */
export function shardedMediaRequests(local: MediaRequests, pool: ShardPool): MediaRequests {
  const to = <K extends keyof MediaRequests>(op: K & ShardOp, shard: number, request: Parameters<MediaRequests[K]>[0]): ReturnType<MediaRequests[K]> =>
    (shard === 0 ? (local[op] as (r: typeof request) => ReturnType<MediaRequests[K]>)(request) : pool.request(shard, op, request)) as ReturnType<MediaRequests[K]>;
  return {
    open: (request) => to("open", shardOfStream(request.streamId, pool.count), request),
    answer: (request) => to("answer", shardOfStream(request.streamId, pool.count), request),
    close: (request) => to("close", shardOfStream(request.streamId, pool.count), request),
    pause: (request) => to("pause", shardOfStream(request.streamId, pool.count), request),
    timeline: (request) => to("timeline", shardOfPlaysKey(request.channelId, pool.count), request),
  };
}
