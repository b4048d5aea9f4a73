import { randomUUID } from "node:crypto";
import { PLAYBACK_SCALES } from "../bus/channel-control.js";
import type { PlaybackAction, PlaybackCommand, PlaybackScale } from "../bus/channel-control.js";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import { defineRoute } from "../http/route.js";
import type { ApiRoute } from "../http/route.js";
import { timelineSegments } from "../recordings/timeline-segments.js";
import { findChannelByCode } from "../store/channel-by-code.js";
import { findChannelWithDevice } from "../store/channels.js";
import { mediaTransport } from "../store/device-enums.js";
import { findStreamSigning } from "../store/stream-auth.js";
import { viewerEndpoint } from "../streams/play-domain.js";
import { recordFlvUrl } from "../streams/stream-urls.js";
import { RESOLUTION_PATTERN, UUID_PATTERN } from "../validation/patterns.js";
import { int, num, str } from "../validation/rules.js";
import { checkChannel, findControlChannel, RECORDING_NEEDS } from "./control-target.js";
import * as data from "./data-schemas.js";
import type { RouteDeps } from "./deps.js";
import { StreamType } from "./streams.js";

const TAG = "records";

/** Spec 02 §23 `Action` → the MANSRTSP method signaling sends (stop 关闭 ends the session: TEARDOWN). */
const PLAYBACK_ACTIONS = { play: "play", pause: "pause", stop: "teardown" } as const satisfies Record<string, PlaybackAction>;
type ApiPlaybackAction = keyof typeof PLAYBACK_ACTIONS;

/** The part after `@` in a playback URL; the relay and packages/bus allow these characters. */
export const SESSION_PATTERN = { regex: /^[A-Za-z0-9_-]{1,64}$/, text: "the session of a playback URL (letters, digits, _ or -)" };
/** §23's `ChannelId` is "taken from the playback URL", whose stream id names the channel's GB code. */
const CHANNEL_CODE = /^\d{20}$/;
const CHANNEL_ID_OR_CODE = {
  regex: new RegExp(`${UUID_PATTERN.regex.source}|${CHANNEL_CODE.source}`),
  text: "a channel id (UUID) or the 20-digit channel code of the playback URL",
};

const isScale = (value: number): value is PlaybackScale => (PLAYBACK_SCALES as readonly number[]).includes(value);

/** Spec 02 §20, §22 `Start`/`End` (epoch seconds): 41611 when Start > End, 41612 when Start is in the future. */
function refuseRange(start: number, end: number, nowSeconds: number): Outcome<never> | undefined {
  if (start > end) return refuse(ErrorCodes.StartAfterEnd, `Start ${start} is after End ${end}`);
  if (start > nowSeconds) return refuse(ErrorCodes.StartAfterNow, `Start ${start} is in the future`);
  return undefined;
}

const channelIdRule = str({ required: true, description: "Channel id", pattern: UUID_PATTERN, invalid: ErrorCodes.InvalidChannelId });
const rangeRules = {
  Start: int({ required: true, description: "Start, epoch seconds", min: 0 }),
  End: int({ required: true, description: "End, epoch seconds", min: 0 }),
};

export function recordRoutes(deps: RouteDeps): ApiRoute[] {
  const { db, channelControl } = deps;
  const nowSeconds = () => Math.floor(deps.now().getTime() / 1000);
  return [
    defineRoute({
      method: "POST",
      url: "/ivc/cms/control/timeline",
      summary: "查询录像时间轴(设备本地录像） Segments recorded on the device in [Start, End] (GB28181 RecordInfo; spec 02 §20)",
      tag: TAG,
      query: {},
      body: { ChannelId: channelIdRule, ...rangeRules },
      data: data.timeline,
      async handle(caller, { body }) {
        const refused = refuseRange(body.Start, body.End, nowSeconds());
        if (refused) return refused;
        const found = await findControlChannel(db, caller.appId, body.ChannelId, RECORDING_NEEDS);
        if (!found.ok) return found;
        const items = await channelControl.recordings(found.value.target, body.Start, body.End);
        if (!items.ok) return items;
        const segments = timelineSegments(items.value, body.Start, body.End);
        if (segments.length === 0) return refuse(ErrorCodes.NoRecordingToday, `the device has no recording between ${body.Start} and ${body.End}`);
        return succeed(segments);
      },
    }),
    defineRoute({
      method: "POST",
      url: "/ivc/cms/control/record",
      summary:
        "获取设备本地录像 URL 地址 HTTP-FLV URL playing the device's recording of [Start, End]; the playback starts when a player opens it (spec 02 §22)",
      tag: TAG,
      query: {},
      body: {
        ChannelId: channelIdRule,
        ...rangeRules,
        StreamType: int({ required: false, description: "1 main stream, 2 sub stream; not with Resolution", values: Object.values(StreamType) }),
        Resolution: str({
          required: false,
          description: "QCIF, CIF, 4CIF, D1, 720P, 1080P/I or a code the device supports (e.g. 19201080); not with StreamType",
          maxLength: 16,
          pattern: RESOLUTION_PATTERN,
        }),
      },
      data: data.recordUrl,
      async handle(caller, { body }) {
        if (body.StreamType !== undefined && body.Resolution !== undefined) {
          return refuse(ErrorCodes.StreamTypeWithResolution, "send StreamType or Resolution, not both");
        }
        const now = nowSeconds();
        const refused = refuseRange(body.Start, body.End, now);
        if (refused) return refused;
        // The relay cannot INVITE an empty range (`t=<start> <end>` with nothing to play).
        if (body.Start === body.End) return refuse(ErrorCodes.StartAfterEnd, "Start must be before End");
        const found = await findControlChannel(db, caller.appId, body.ChannelId, RECORDING_NEEDS);
        if (!found.ok) return found;
        const { target, device, node } = found.value;
        const endpoint = await viewerEndpoint(db, caller.appId, node);
        if (!endpoint.ok) return endpoint;
        const streamId = `${target.channelCode}@${randomUUID()}`;
        const source = { deviceCode: device.code, transport: mediaTransport(device.transportProtocol) };
        const options = { streamType: body.StreamType, resolution: body.Resolution };
        const signing = await findStreamSigning(db, caller.appId);
        return succeed({ Flv: recordFlvUrl(endpoint.value, streamId, source, { start: body.Start, end: body.End }, options, signing.pull, now) });
      },
    }),
    defineRoute({
      method: "POST",
      url: "/ivc/cms/control/recordctl",
      summary: "录像回放控制(设备本地录像) Play, pause, seek (Pos), change speed (Scale) or stop a device-local playback (spec 02 §23)",
      tag: TAG,
      query: {},
      body: {
        ChannelId: str({ required: true, description: "Channel id, or the channel code before `@` in the playback URL", pattern: CHANNEL_ID_OR_CODE, invalid: ErrorCodes.InvalidChannelId }),
        Session: str({ required: true, description: "The part after `@` in the playback URL", pattern: SESSION_PATTERN, invalid: ErrorCodes.InvalidStreamId }),
        Action: str({ required: true, description: "play, pause, stop (ends the session)", pattern: { regex: /^(play|pause|stop)$/, text: "play, pause or stop" } }),
        Pos: int({ required: false, description: "With play: seek to this many seconds after the recording's start; not with Scale", min: 0 }),
        Scale: num({ required: false, description: "With play: speed 0.25, 0.5, 1, 2, 4 or 8; not with Pos" }),
      },
      data: data.nullData,
      async handle(caller, { body }) {
        if (body.Pos !== undefined && body.Scale !== undefined) return refuse(ErrorCodes.ScaleWithPos, "send Scale or Pos, not both");
        if (body.Scale !== undefined && !isScale(body.Scale)) return refuse(ErrorCodes.SpeedUnsupported, `Scale must be one of ${PLAYBACK_SCALES.join(", ")}`);
        const action = PLAYBACK_ACTIONS[body.Action as ApiPlaybackAction];
        if (action !== "play" && (body.Pos !== undefined || body.Scale !== undefined)) {
          return refuse(ErrorCodes.ParameterValidationFailed, "Pos and Scale go with Action play only");
        }
        const found = CHANNEL_CODE.test(body.ChannelId) ? await findChannelByCode(db, caller.appId, body.ChannelId) : await findChannelWithDevice(db, caller.appId, body.ChannelId);
        if (!found) return refuse(ErrorCodes.ChannelNotFound, `ChannelId ${body.ChannelId} is not a channel`);
        const target = checkChannel(found, RECORDING_NEEDS);
        if (!target.ok) return target;
        const command: PlaybackCommand = {
          action,
          ...(body.Scale !== undefined && isScale(body.Scale) ? { scale: body.Scale } : {}),
          ...(body.Pos !== undefined ? { pos: body.Pos } : {}),
        };
        return channelControl.playback(target.value.clusterId, `${target.value.channelCode}@${body.Session}`, command);
      },
    }),
  ];
}
