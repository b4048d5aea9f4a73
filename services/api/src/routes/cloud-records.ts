import { ErrorCodes } from "../errors/codes.js";
import { refuse, succeed } from "../errors/outcome.js";
import { defineRoute } from "../http/route.js";
import type { ApiRoute, JsonSchema } from "../http/route.js";
import { cloudTimeline } from "../recordings/segment-index.js";
import { timelineSegments } from "../recordings/timeline-segments.js";
import { findChannelWithDevice } from "../store/channels.js";
import { UUID_PATTERN } from "../validation/patterns.js";
import { int, str } from "../validation/rules.js";
import * as data from "./data-schemas.js";
import type { RouteDeps } from "./deps.js";

const TAG = "cloud-records";
const DAY_SECONDS = 86_400;

/** Spec 02 §19 `Tips`: whether archived (cold) recordings exist in the range. */
export const CloudTips = { NoArchived: 0, Archived: 1 } as const;

const cloudTimelineData: JsonSchema = { type: "object", properties: { Tips: { type: "integer" }, List: data.timeline }, required: ["Tips", "List"] };

export function cloudRecordRoutes(deps: RouteDeps): ApiRoute[] {
  const { db } = deps;
  return [
    defineRoute({
      method: "GET",
      url: "/ivc/record/filelist/query",
      summary: "查询录像时间轴(云录像) Spans the gateway recorded of one channel in [StartTime, EndTime], at most one day (spec 02 §19)",
      tag: TAG,
      query: {
        DeviceId: str({ required: true, description: "Device id", pattern: UUID_PATTERN, invalid: ErrorCodes.InvalidDeviceId }),
        ChannelId: str({ required: true, description: "Channel id", pattern: UUID_PATTERN, invalid: ErrorCodes.InvalidChannelId }),
        StartTime: int({ required: true, description: "Start, epoch seconds", min: 0 }),
        EndTime: int({ required: true, description: "End, epoch seconds", min: 0 }),
      },
      data: cloudTimelineData,
      async handle(caller, { query }) {
        const { StartTime: start, EndTime: end } = query;
        if (start > end) return refuse(ErrorCodes.StartAfterEnd, `StartTime ${start} is after EndTime ${end}`);
        if (start > Math.floor(deps.now().getTime() / 1000)) return refuse(ErrorCodes.StartAfterNow, `StartTime ${start} is in the future`);
        if (end - start > DAY_SECONDS) return refuse(ErrorCodes.ParameterValidationFailed, `the range may span one day (${DAY_SECONDS} s) at most`);
        const found = await findChannelWithDevice(db, caller.appId, query.ChannelId);
        if (!found || found.device.id !== query.DeviceId) return refuse(ErrorCodes.ChannelNotFound, `ChannelId ${query.ChannelId} is not a channel of device ${query.DeviceId}`);
        const { spans, archived } = await cloudTimeline(db, found.device.code, found.channel.code, start * 1000, end * 1000);
        const items = spans.map((s) => ({ start: Math.floor(s.startMs / 1000), end: Math.ceil(s.endMs / 1000) }));
        return succeed({ Tips: archived ? CloudTips.Archived : CloudTips.NoArchived, List: timelineSegments(items, start, end) });
      },
    }),
  ];
}
