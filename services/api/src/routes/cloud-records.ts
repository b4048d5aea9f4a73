import { deviceChannelStreamId } from "@ivc/media";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import { defineRoute } from "../http/route.js";
import type { ApiRoute, JsonSchema } from "../http/route.js";
import { downloadRefusal } from "../recordings/download-grant.js";
import { DOWNLOAD_URL_PURPOSE, MAX_DOWNLOAD_SECONDS, signDownload, type DownloadFileType } from "../recordings/download-url.js";
import { cloudTimeline, segmentsInRange } from "../recordings/segment-index.js";
import { timelineSegments } from "../recordings/timeline-segments.js";
import { findChannelWithDevice } from "../store/channels.js";
import { findStreamSigning } from "../store/stream-auth.js";
import { viewerEndpoint } from "../streams/play-domain.js";
import { cloudDownloadUrl, cloudPlaybackUrl } from "../streams/stream-urls.js";
import { DIGITS_PATTERN, UUID_PATTERN } from "../validation/patterns.js";
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

/** §19/§21/§24 ranges: 41611 start after end, 41612 start in the future, 40005 longer than `maxSeconds`. */
export function refuseRange(start: number, end: number, nowSeconds: number, maxSeconds = DAY_SECONDS, names = { start: "StartTime", end: "EndTime" }): Outcome<never> | undefined {
  if (start > end) return refuse(ErrorCodes.StartAfterEnd, `${names.start} ${start} is after ${names.end} ${end}`);
  if (start > nowSeconds) return refuse(ErrorCodes.StartAfterNow, `${names.start} ${start} is in the future`);
  if (end - start > maxSeconds) return refuse(ErrorCodes.ParameterValidationFailed, `the range may span ${maxSeconds} s at most`);
  return undefined;
}

/** §24 times are decimal strings of UTC seconds ("1668996000"); at most 12 digits keeps them exact numbers. */
const secondsText = (description: string) => str({ required: true, description, pattern: DIGITS_PATTERN, maxLength: 12 });

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
        const endpoint = await viewerEndpoint(db, caller.appId, found.node);
        if (!endpoint.ok) return endpoint;
        const signing = await findStreamSigning(db, caller.appId);
        const streamId = deviceChannelStreamId(found.device.code, found.channel.code);
        return succeed({ Hls: cloudPlaybackUrl(endpoint.value, streamId, { start, end }, signing.pull, now) });
      },
    }),
    defineRoute({
      method: "POST",
      url: "/ivc/vds/VideoDownloadUrl",
      summary: "云录像下载 url 获取 A URL valid 10 minutes that downloads [BeginTime, EndTime] (≤ 30 min) of the channel's cloud recording as one MP4 or TS file (spec 02 §24)",
      tag: TAG,
      query: {},
      body: {
        ChannelId: channelIdRule,
        BeginTime: secondsText("Start, UTC seconds as a decimal string"),
        EndTime: secondsText("End, UTC seconds as a decimal string"),
        FileType: str({ required: true, description: "mp4 or ts", pattern: { regex: /^(mp4|ts)$/, text: "mp4 or ts" } }),
      },
      data: { type: "object", properties: { Url: { type: "string" } }, required: ["Url"] },
      async handle(caller, { body }) {
        const begin = Number(body.BeginTime);
        const end = Number(body.EndTime);
        const now = nowSeconds();
        const refused = refuseRange(begin, end, now, MAX_DOWNLOAD_SECONDS, { start: "BeginTime", end: "EndTime" });
        if (refused) return refused;
        if (begin === end) return refuse(ErrorCodes.StartAfterEnd, "BeginTime must be before EndTime");
        const found = await findChannelWithDevice(db, caller.appId, body.ChannelId);
        if (!found) return refuse(ErrorCodes.ChannelNotFound, `ChannelId ${body.ChannelId} is not a channel`);
        const endpoint = await viewerEndpoint(db, caller.appId, found.node);
        if (!endpoint.ok) return endpoint;
        // Checked now so a client learns at once; the download host checks again (segments may go cold within the 10 minutes).
        const unavailable = downloadRefusal(await segmentsInRange(db, found.device.code, found.channel.code, begin * 1000, end * 1000));
        if (unavailable) return refuse(unavailable.error === "notFound" ? ErrorCodes.RecordingNotFound : ErrorCodes.RecordingNotStandardStorage, unavailable.detail);
        const fileType = body.FileType as DownloadFileType;
        const query = signDownload((text) => deps.box.mac(DOWNLOAD_URL_PURPOSE, text), { channelId: found.channel.id, beginTime: begin, endTime: end, fileType }, now);
        return succeed({ Url: cloudDownloadUrl(endpoint.value, fileType, { ...query }) });
      },
    }),
  ];
}
