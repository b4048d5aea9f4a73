import type { MediaRequests } from "../bus-api.js";

/**
 * Messages between the listening relay (shard 0) and its shard processes, over Node's IPC channel.
 * A viewer's connection travels as the message's handle (`subprocess.send(message, socket)`),
 * with the bytes already read to find its request line.
 */
export type ShardOp = keyof MediaRequests | "metrics" | "stats" | "recordings";

/** Listening relay → shard. */
export type ToShard =
  | { t: "request"; id: number; op: ShardOp; body: unknown }
  | { t: "connection"; head: string };

/** Shard → listening relay. */
export type FromShard =
  | { t: "ready"; internalPort: number }
  | { t: "reply"; id: number; ok: true; data: unknown }
  | { t: "reply"; id: number; ok: false; code: string; message: string };

/** A shard's answer to a request sent to every shard, or why there was none (the shard is down or restarting). */
export type ShardAnswer<T> = { shard: number; ok: true; value: T } | { shard: number; ok: false; error: string };

/** One process's figures (the bench and /healthz read them). */
export interface ShardStats {
  shard: number;
  pid: number;
  streams: number;
  viewers: number;
  rtpPackets: number;
  rtpLost: number;
  rssBytes: number;
  /** V8's heap as reserved (heapTotal) and the memory JS objects hold outside it (external: Buffers' bytes). */
  heapBytes: number;
  externalBytes: number;
  cpuMicros: number;
  /** performance.eventLoopUtilization() totals (ms), for utilisation over any window. */
  eventLoop: { idle: number; active: number };
}

export function isFromShard(message: unknown): message is FromShard {
  const m = message as { t?: unknown } | null;
  return typeof m === "object" && m !== null && (m.t === "ready" || m.t === "reply");
}

export function isToShard(message: unknown): message is ToShard {
  const m = message as { t?: unknown } | null;
  return typeof m === "object" && m !== null && (m.t === "request" || m.t === "connection");
}
