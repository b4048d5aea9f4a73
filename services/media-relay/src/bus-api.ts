import { BusHandlerError, mediaAnswer, mediaClose, mediaOpen, mediaPause, mediaTimeline, type Bus, type ReplyOf, type RequestOf } from "@ivc/bus";
import { PlayError } from "./play-error.js";
import type { TimelineStore } from "./play-timeline.js";
import type { StreamRegistry } from "./stream-registry.js";

/** The relay's answers to signaling, whether they arrive over NATS or from the listening shard. */
export interface MediaRequests {
  open(request: RequestOf<typeof mediaOpen>): Promise<ReplyOf<typeof mediaOpen>>;
  answer(request: RequestOf<typeof mediaAnswer>): Promise<ReplyOf<typeof mediaAnswer>>;
  close(request: RequestOf<typeof mediaClose>): Promise<ReplyOf<typeof mediaClose>>;
  pause(request: RequestOf<typeof mediaPause>): Promise<ReplyOf<typeof mediaPause>>;
  timeline(request: RequestOf<typeof mediaTimeline>): Promise<ReplyOf<typeof mediaTimeline>>;
}

/** The requests answered from this process's own streams. */
export function localMediaRequests(registry: StreamRegistry, timelines: TimelineStore): MediaRequests {
  return {
    async open(request) {
      try {
        const { streamId, channelId, kind, transport, start, end, speed } = request;
        const historical = kind !== "live" && start !== undefined && end !== undefined;
        const playback = historical ? { playback: { startMs: start, endMs: end, ...(kind === "download" && speed !== undefined ? { speed } : {}) } } : {};
        return await registry.open({ streamId, channelId, kind, transport, ...playback });
      } catch (err) {
        if (err instanceof PlayError) throw new BusHandlerError("no_ports", err.message);
        throw err;
      }
    },
    async answer(request) {
      const { streamId, ...answer } = request;
      if (registry.get(streamId) === undefined) throw new BusHandlerError("unknown_stream", `no stream ${streamId}`);
      return { accepted: registry.answer(streamId, answer) };
    },
    async close(request) {
      return { closed: registry.close(request.streamId, request.endOfFile) };
    },
    async pause(request) {
      const paused = registry.pause(request.streamId, request.paused);
      if (paused === undefined) throw new BusHandlerError("unknown_stream", `no stream ${request.streamId}`);
      return { paused };
    },
    async timeline(request) {
      return { plays: timelines.plays(request.channelId) };
    },
  };
}

const QUEUE = { queue: "media-relay" };

/**
 * The relay's NATS requests. media.open is shared by the relays of a cluster (queue group);
 * answer, close and timeline concern state held by one relay, so this assumes one listening relay
 * per cluster (its shard processes are reached through it, shards/shard-pool.ts).
 */
export function serveBusApi(bus: Bus, clusterId: string, requests: MediaRequests): Array<ReturnType<Bus["reply"]>> {
  const scope = { clusterId };
  return [
    bus.reply(mediaOpen, scope, (request) => requests.open(request), QUEUE),
    bus.reply(mediaAnswer, scope, (request) => requests.answer(request)),
    bus.reply(mediaClose, scope, (request) => requests.close(request)),
    bus.reply(mediaPause, scope, (request) => requests.pause(request)),
    bus.reply(mediaTimeline, scope, (request) => requests.timeline(request)),
  ];
}
