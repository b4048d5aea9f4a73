import type { PlayRecord } from "@ivc/bus";
import { ErrorCodes } from "../errors/codes.js";
import { refuse, succeed } from "../errors/outcome.js";
import { defineRoute, type ApiRoute, type JsonSchema } from "../http/route.js";
import { findChannelWithDevice } from "../store/channels.js";
import { UUID_PATTERN } from "../validation/patterns.js";
import { str } from "../validation/rules.js";
import type { RouteDeps } from "./deps.js";

const TAG = "streams";

const string = { type: "string" } as const;
const integer = { type: "integer" } as const;
const playList: JsonSchema = {
  type: "array",
  items: {
    type: "object",
    properties: {
      StreamId: string,
      Kind: string,
      Transport: string,
      Ssrc: string,
      Outcome: string,
      Stages: { type: "array", items: { type: "object", properties: { Stage: string, At: integer, Detail: string }, required: ["Stage", "At"] } },
    },
    required: ["StreamId", "Kind", "Transport", "Ssrc", "Stages"],
  },
};

/** The relay's record in the API's casing (PascalCase like every legacy field). */
export function playView(play: PlayRecord) {
  return {
    StreamId: play.streamId,
    Kind: play.kind,
    Transport: play.transport,
    Ssrc: play.ssrc,
    ...(play.outcome !== undefined ? { Outcome: play.outcome } : {}),
    Stages: play.stages.map((s) => ({ Stage: s.stage, At: s.at, ...(s.detail !== undefined ? { Detail: s.detail } : {}) })),
  };
}

/**
 * An extension of the legacy API (docs/api-decisions.md "Play diagnostics"): the same timeline as
 * `ivc channel plays`, signed like every call, so the web console and any client can show why a
 * channel has no picture. Asked of an offline device too: that is when it is wanted.
 */
export function playRoutes(deps: RouteDeps): ApiRoute[] {
  const { db, channelControl } = deps;
  return [
    defineRoute({
      method: "POST",
      url: "/ivc/cms/control/plays",
      summary: "播放诊断 The last plays of a channel on its node's media relay, newest first, with the time of each stage and how each ended (extension)",
      tag: TAG,
      query: {},
      body: { ChannelId: str({ required: true, description: "Channel id", pattern: UUID_PATTERN, invalid: ErrorCodes.InvalidChannelId }) },
      data: playList,
      async handle(caller, { body }) {
        const found = await findChannelWithDevice(db, caller.appId, body.ChannelId);
        if (!found) return refuse(ErrorCodes.ChannelNotFound, `no channel ${body.ChannelId}`);
        const { device, channel } = found;
        const plays = await channelControl.plays({ clusterId: device.clusterId, deviceCode: device.code, channelCode: channel.code });
        return plays.ok ? succeed(plays.value.map(playView)) : plays;
      },
    }),
  ];
}
