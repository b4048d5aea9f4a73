import { BusHandlerError, mediaAnswer, mediaClose, mediaOpen, mediaPause, mediaTimeline, type Bus } from "@ivc/bus";
import { PlayError } from "./play-error.js";
import type { TimelineStore } from "./play-timeline.js";
import type { StreamRegistry } from "./stream-registry.js";

const QUEUE = { queue: "media-relay" };

/**
 * The relay's NATS requests. media.open is shared by the relays of a cluster (queue group);
 * answer, close and timeline concern state held by one relay, so this assumes one relay per
 * cluster until streams carry the relay instance that holds them.
 */
export function serveBusApi(bus: Bus, clusterId: string, registry: StreamRegistry, timelines: TimelineStore): Array<ReturnType<Bus["reply"]>> {
  const scope = { clusterId };
  return [
    bus.reply(
      mediaOpen,
      scope,
      async (request) => {
        try {
          const { streamId, channelId, kind, transport, start, end } = request;
          const playback = kind === "playback" && start !== undefined && end !== undefined ? { playback: { startMs: start, endMs: end } } : {};
          return await registry.open({ streamId, channelId, kind, transport, ...playback });
        } catch (err) {
          if (err instanceof PlayError) throw new BusHandlerError("no_ports", err.message);
          throw err;
        }
      },
      QUEUE,
    ),
    bus.reply(mediaAnswer, scope, (request) => {
      const { streamId, ...answer } = request;
      if (registry.get(streamId) === undefined) throw new BusHandlerError("unknown_stream", `no stream ${streamId}`);
      return { accepted: registry.answer(streamId, answer) };
    }),
    bus.reply(mediaClose, scope, (request) => ({ closed: registry.close(request.streamId) })),
    bus.reply(mediaPause, scope, (request) => {
      const paused = registry.pause(request.streamId, request.paused);
      if (paused === undefined) throw new BusHandlerError("unknown_stream", `no stream ${request.streamId}`);
      return { paused };
    }),
    bus.reply(mediaTimeline, scope, (request) => ({ plays: timelines.plays(request.channelId) })),
  ];
}
