import { deviceChannelStreamId } from "@ivc/media";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import { defineRoute } from "../http/route.js";
import type { ApiRoute, JsonSchema } from "../http/route.js";
import { cloudTimeline } from "../recordings/segment-index.js";
import { timelineSegments } from "../recordings/timeline-segments.js";
import { findChannelWithDevice } from "../store/channels.js";
import { findStreamSigning } from "../store/stream-auth.js";
import { cloudPlaybackUrl } from "../streams/stream-urls.js";
import { UUID_PATTERN } from "../validation/patterns.js";
import { int, str } from "../validation/rules.js";
import * as data from "./data-schemas.js";
import type { RouteDeps } from "./deps.js";

const TAG = "cloud-records";
const DAY_SECONDS = 86_400;

/** Spec 02 §19 `Tips`: whether archived (cold) recordings exist in the range. */
export const CloudTips = { NoArchived: 0, Archived: 1 } as const;

const cloudTimelineData: JsonSchema = { type: "object", properties: { Tips: { type: "integer" }, List: data.timeline }, required: ["Tips", "List"] };

const rangeRules = {
  StartTime: int({ required: true, description: "Start, epoch seconds", min: 0 }),
  EndTime: int({ required: true, description: "End, epoch seconds", min: 0 }),
};
const channelIdRule = str({ required: true, description: "Channel id", pattern: UUID_PATTERN, invalid: ErrorCodes.InvalidChannelId });

/** §19/§21 ranges: 41611 start after end, 41612 start in the future, 40005 longer than a day. */
export function refuseRange(start: number, end: number, nowSeconds: number): Outcome<never> | undefined {
  if (start > end) return refuse(ErrorCodes.StartAfterEnd, `StartTime ${start} is after EndTime ${end}`);
  if (start > nowSeconds) return refuse(ErrorCodes.StartAfterNow, `StartTime ${start} is in the future`);
  if (end - start > DAY_SECONDS) return refuse(ErrorCodes.ParameterValidationFailed, `the range may span one day (${DAY_SECONDS} s) at most`);
  return undefined;
}

export function cloudRecordRoutes(deps: RouteDeps): ApiRoute[] {
  const { db } = deps;
  const nowSeconds = () => Math.floor(deps.now().getTime() / 1000);
  return [
    defineRoute({
      method: "GET",
      url: "/ivc/record/filelist/query",
      summary: "查询录像时间轴(云录像) Spans the gateway recorded of one channel in [StartTime, EndTime], at most one day (spec 02 §19)",
      tag: TAG,
      query: {
        DeviceId: str({ required: true, description: "Device id", pattern: UUID_PATTERN, invalid: ErrorCodes.InvalidDeviceId }),
        ChannelId: channelIdRule,
        ...rangeRules,
      },
      data: cloudTimelineData,
      async handle(caller, { query }) {
        const { StartTime: start, EndTime: end } = query;
        const refused = refuseRange(start, end, nowSeconds());
        if (refused) return refused;
        const found = await findChannelWithDevice(db, caller.appId, query.ChannelId);
        if (!found || found.device.id !== query.DeviceId) return refuse(ErrorCodes.ChannelNotFound, `ChannelId ${query.ChannelId} is not a channel of device ${query.DeviceId}`);
        const { spans, archived } = await cloudTimeline(db, found.device.code, found.channel.code, start * 1000, end * 1000);
        const items = spans.map((s) => ({ start: Math.floor(s.startMs / 1000), end: Math.ceil(s.endMs / 1000) }));
        return succeed({ Tips: archived ? CloudTips.Archived : CloudTips.NoArchived, List: timelineSegments(items, start, end) });
      },
    }),
      defineRoute({
      method: "GET",
      url: "/ivc/record/playback/url",
      summary: "获取云录像回放 URL 地址 HLS URL over the channel's cloud recording of [StartTime, EndTime], signed like live URLs (spec 02 §21)",
      tag: TAG,
      query: { ChannelId: channelIdRule, ...rangeRules },
      data: { type: "object", properties: { Hls: { type: "string" } }, required: ["Hls"] },
      async handle(caller, { query }) {
        const { StartTime: start, EndTime: end } = query;
        const now = nowSeconds();
        const refused = refuseRange(start, end, now);
        if (refused) return refused;
        if (start === end) return refuse(ErrorCodes.StartAfterEnd, "StartTime must be before EndTime");
        const found = await findChannelWithDevice(db, caller.appId, query.ChannelId);
        if (!found) return refuse(ErrorCodes.ChannelNotFound, `ChannelId ${query.ChannelId} is not a channel`);
        const { spans, archived } = await cloudTimeline(db, found.device.code, found.channel.code, start * 1000, end * 1000);
        if (spans.length === 0) {
          return archived ? refuse(ErrorCodes.RecordingNotStandardStorage, "the range's recordings are archived (cold)") : refuse(ErrorCodes.NoRecordingToday, "nothing recorded in the range");
        }
        const signing = await findStreamSigning(db, caller.appId);
        const streamId = deviceChannelStreamId(found.device.code, found.channel.code);
        return succeed({ Hls: cloudPlaybackUrl(found.node, streamId, { start, end }, signing.pull, now) });
      },
    }),
  ];
}
