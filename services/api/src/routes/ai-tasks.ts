import { siteDateTime } from "@ivc/runtime";
import { aiTemplateTags, detectTypes, type DetectType } from "@ivc/bus";
import { templatesProblem, type AiTemplate } from "../ai/templates.js";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import { defineRoute } from "../http/route.js";
import type { ApiRoute, JsonSchema } from "../http/route.js";
import { TIME_OF_DAY } from "../recordings/schedule.js";
import { AI_TASK_ID_PATTERN, createTask, deleteTask, describeTask, listTasks, queryResults, setTaskStatus, updateTask } from "../store/ai-tasks.js";
import type { AiTaskView, StoredResult } from "../store/ai-tasks.js";
import { DESCRIPTION_PATTERN, NAME_PATTERN, UUID_PATTERN } from "../validation/patterns.js";
import { bool, int, obj, objArray, str, strArray } from "../validation/rules.js";
import type { RouteDeps } from "./deps.js";

const TAG = "ai-tasks";
/** 43704 "必须小于1000": the error's "less than" wins over the prose's "限制1000个" (docs/api-decisions.md). */
export const MAX_AI_CHANNELS = 999;
/** A5 "BeginTime–EndTime 跨度不超过30天". */
const MAX_RESULT_SPAN_SECONDS = 30 * 86_400;
const MAX_TASK_PAGE_SIZE = 200;
const MAX_RESULT_PAGE_SIZE = 100;

const enumPattern = (values: readonly string[]) => ({ regex: new RegExp(`^(${values.join("|")})$`), text: `one of ${values.join(", ")}` });
/** http(s) URL of printable ASCII without spaces or quotes; checked again with the URL parser. */
const CALLBACK_URL_PATTERN = { regex: /^https?:\/\/[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/, text: "an http:// or https:// URL" };

const taskId = str({ required: true, description: "AI task id (at + 32 lowercase hex digits)", pattern: AI_TASK_ID_PATTERN, invalid: ErrorCodes.InvalidAiTaskId });
const taskName = <R extends boolean>(required: R) =>
  str({ required, description: "Task name: Chinese characters, letters, digits, _ and -; 1–32 characters", minLength: 1, maxLength: 32, pattern: NAME_PATTERN, invalid: ErrorCodes.InvalidAiTaskName });
const taskDesc = str({ required: false, description: "Description: Chinese characters, letters, digits, _ and -; at most 128 characters", maxLength: 128, pattern: DESCRIPTION_PATTERN, invalid: ErrorCodes.InvalidAiTaskDescription });
const channelList = <R extends boolean>(required: R) =>
  strArray({
    required,
    description: `Channel ids (1–${MAX_AI_CHANNELS}); a channel is in at most one AI task`,
    maxItems: MAX_AI_CHANNELS,
    invalid: ErrorCodes.ChannelListEmpty,
    tooManyError: ErrorCodes.TooManyChannelIds,
    item: str({ required: true, description: "Channel id", pattern: UUID_PATTERN, invalid: ErrorCodes.ChannelListIllegal }),
  });
const callbackUrl = str({ required: false, description: "Where results are POSTed (http:// or https://); empty: no callback", maxLength: 1024, pattern: { regex: new RegExp(`${CALLBACK_URL_PATTERN.regex.source}|^$`), text: CALLBACK_URL_PATTERN.text }, invalid: ErrorCodes.CallbackUrlIllegal });
const timeInterval = int({ required: true, description: "Seconds between snapshots, 1–20", min: 1, max: 20, invalid: ErrorCodes.InvalidSnapshotFrequency });
const operTimeslot = <R extends boolean>(required: R) =>
  objArray({
    required,
    description: "Daily windows (site time, hh:mm:ss, Start < End), at most 5",
    maxItems: 5,
    invalid: ErrorCodes.OperTimeslotIllegal,
    tooManyError: ErrorCodes.OperTimeslotTooMany,
    item: {
      Start: str({ required: true, description: "hh:mm:ss", pattern: TIME_OF_DAY, invalid: ErrorCodes.OperTimeslotIllegal }),
      End: str({ required: true, description: "hh:mm:ss", pattern: TIME_OF_DAY, invalid: ErrorCodes.OperTimeslotIllegal }),
    },
  });
const templates = <R extends boolean>(required: R) =>
  objArray({
    required,
    description: "AI templates (Tag AI with AIConfig) or snapshot templates (Tag Snapshot with SnapshotConfig); one Tag for all",
    maxItems: detectTypes.length + 1,
    item: {
      Tag: str({ required: true, description: "AI or Snapshot", pattern: enumPattern(aiTemplateTags), invalid: ErrorCodes.InvalidTemplateTag }),
      AIConfig: obj({
        required: false,
        description: "With Tag AI",
        shape: {
          DetectType: str({ required: true, description: detectTypes.join(", "), pattern: enumPattern(detectTypes), invalid: ErrorCodes.InvalidAiType }),
          TimeInterval: timeInterval,
          OperTimeslot: operTimeslot(true),
        },
      }),
      SnapshotConfig: obj({ required: false, description: "With Tag Snapshot", shape: { TimeInterval: timeInterval, OperTimeslot: operTimeslot(false) } }),
    },
  });
const detectTypeFilter = (name: string) => str({ required: false, description: `Only this DetectType (${name === "AIType" ? "the example URL's spelling of DetectType" : detectTypes.join(", ")})`, pattern: enumPattern(detectTypes), invalid: ErrorCodes.InvalidAiType });
const pageNumber = int({ required: false, description: "Page number from 1", min: 1, default: 1, invalid: ErrorCodes.InvalidPageNumber });

const string = { type: "string" } as const;
const integer = { type: "integer" } as const;
const timeslots: JsonSchema = { type: "array", items: { type: "object", properties: { Start: string, End: string } } };
const templateSchema: JsonSchema = {
  type: "object",
  properties: {
    Tag: string,
    AIConfig: { type: "object", properties: { DetectType: string, TimeInterval: integer, OperTimeslot: timeslots } },
    SnapshotConfig: { type: "object", properties: { TimeInterval: integer, OperTimeslot: timeslots } },
  },
};
const taskSchema: JsonSchema = {
  type: "object",
  properties: {
    TaskId: string,
    Name: string,
    Desc: string,
    Status: { type: "string", enum: ["on", "off"] },
    ChannelList: { type: "array", items: string },
    CallbackUrl: string,
    Templates: { type: "array", items: templateSchema },
    CreatedTime: string,
    UpdatedTime: string,
  },
  required: ["TaskId", "Name", "Desc", "Status", "CallbackUrl", "CreatedTime", "UpdatedTime"],
};
const location = { type: "object", properties: { X: integer, Y: integer, Width: integer, Height: integer } } as const;
const resultSchema: JsonSchema = {
  type: "object",
  properties: {
    TaskId: string,
    AIResultCount: integer,
    AIResults: {
      type: "object",
      description: "One array per DetectType (and Snapshot): {Time, Url, <Type>Info: [{Name, Score, Location}]}; CarInfo items carry the CarInfo fields",
      properties: Object.fromEntries([...detectTypes, "Snapshot"].map((t) => [t, { type: "array", items: { type: "object", properties: { Time: string, Url: string, [`${t}Info`]: { type: "array", items: { type: "object", properties: { Name: string, Score: integer, Location: location } } } } } }])),
    },
  },
};
const nullData: JsonSchema = { type: "null" };

function callbackUrlProblem(url: string | undefined): Outcome<never> | undefined {
  if (url === undefined || url === "") return undefined;
  try {
    new URL(url);
    return undefined;
  } catch {
    return refuse(ErrorCodes.CallbackUrlIllegal, `CallbackUrl ${url} is not a URL`);
  }
}

/** A5's item for one stored invocation; Car boxes carry CarInfo with what COCO cannot tell left empty. */
function resultItem(row: StoredResult, url: string, utcOffsetMinutes: number): Record<string, unknown> {
  const location = (o: StoredResult["objects"][number]) => ({ X: o.X, Y: o.Y, Width: o.Width, Height: o.Height });
  const key = `${row.detectType === "" ? "Snapshot" : row.detectType}Info`;
  const info =
    row.detectType === "Car"
      ? row.objects.map((o) => ({ Serial: "", Brand: "", Type: o.Name, Color: "", Confidence: o.Score, Year: 0, PlateContent: { Plate: "", Color: "", Type: "", Location: { X: 0, Y: 0, Width: 0, Height: 0 } }, Location: location(o) }))
      : row.objects.map((o) => ({ Name: o.Name, Score: o.Score, Location: location(o) }));
  return { Time: siteDateTime(row.takenAt, utcOffsetMinutes), Url: url, [key]: info };
}

export function aiTaskRoutes(deps: RouteDeps): ApiRoute[] {
  const { db, ai, siteUtcOffsetMinutes } = deps;
  const checkTemplates = (list: readonly AiTemplate[] | undefined): Outcome<never> | undefined => {
    const problem = list === undefined ? undefined : templatesProblem(list, ai.models);
    return problem ? { ok: false, failure: problem } : undefined;
  };
  /** A change that went through is pushed to the relays, so "off" (or a deleted task) stops analysis at once. */
  const announced = async <T>(taskId: string | ((value: T) => string | undefined), change: Outcome<T> | Promise<Outcome<T>>): Promise<Outcome<T>> => {
    const outcome = await change;
    const id = outcome.ok ? (typeof taskId === "string" ? taskId : taskId(outcome.value)) : undefined;
    if (id !== undefined) ai.notices.changed(id);
    return outcome;
  };
  return [
    defineRoute({
      method: "POST",
      url: "/ivc/ai/task",
      summary: "创建 AI 任务 CreateAITask: channels of recording plans analysed every TimeInterval seconds in the windows (spec 04 A1)",
      tag: TAG,
      query: {},
      body: {
        Name: taskName(true),
        Desc: taskDesc,
        ChannelList: channelList(true),
        CallbackUrl: callbackUrl,
        IsStartTheTask: bool({ required: false, description: "true: start now (Status on); default false", default: false }),
        Templates: templates(true),
      },
      data: taskSchema,
      async handle(caller, { body }) {
        const templatesList = body.Templates as AiTemplate[];
        // Only a task created "on" changes what the relays run.
        return callbackUrlProblem(body.CallbackUrl) ?? checkTemplates(templatesList) ?? announced((task: AiTaskView) => (task.Status === "on" ? task.TaskId : undefined), createTask(db, caller.appId, { ...body, Templates: templatesList }, siteUtcOffsetMinutes));
      },
    }),
    defineRoute({
      method: "PUT",
      url: "/ivc/ai/task",
      summary: "更新 AI 任务 UpdateAITask: only while off; given lists replace the stored ones (spec 04 A2)",
      tag: TAG,
      query: { TaskId: taskId },
      body: { Name: taskName(false), Desc: taskDesc, ChannelList: channelList(false), CallbackUrl: callbackUrl, Templates: templates(false) },
      data: taskSchema,
      async handle(caller, { query, body }) {
        const templatesList = body.Templates as AiTemplate[] | undefined;
        return callbackUrlProblem(body.CallbackUrl) ?? checkTemplates(templatesList) ?? announced(query.TaskId, updateTask(db, caller.appId, query.TaskId, { ...body, Templates: templatesList }, siteUtcOffsetMinutes));
      },
    }),
    defineRoute({
      method: "DELETE",
      url: "/ivc/ai/task",
      summary: "删除 AI 任务 DeleteAITask, also while on; its results go with it (spec 04 A3)",
      tag: TAG,
      query: { TaskId: taskId },
      data: nullData,
      handle: (caller, { query }) => announced(query.TaskId, deleteTask(db, caller.appId, query.TaskId)),
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/ai/task/detail",
      summary: "查询 AI 任务详情 GetAITaskDetail (spec 04 A4)",
      tag: TAG,
      query: { TaskId: taskId },
      data: taskSchema,
      handle: (caller, { query }) => describeTask(db, caller.appId, query.TaskId, siteUtcOffsetMinutes),
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/ai/task/result",
      summary: "查询 AI 任务结果 GetAITaskResult: newest first, PageSize analysed snapshots per page, at most 30 days (spec 04 A5)",
      tag: TAG,
      query: {
        TaskId: taskId,
        ChannelId: str({ required: true, description: "Channel id", minLength: 1, invalid: ErrorCodes.ChannelIdEmpty }),
        Object: str({ required: false, description: "Only the frames of this stored recording file (its key in storage)", maxLength: 512, pattern: { regex: /^(?!(.*\/)?\.\.?(\/|$))[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, text: "a storage path such as a/b/c/dog.ts (no . or .. parts)" }, invalid: ErrorCodes.ObjectIllegal }),
        DetectType: detectTypeFilter("DetectType"),
        AIType: detectTypeFilter("AIType"),
        BeginTime: int({ required: false, description: "Epoch seconds; default EndTime − 30 days", min: 0, invalid: ErrorCodes.InvalidTimeRange }),
        EndTime: int({ required: false, description: "Epoch seconds; default now", min: 0, invalid: ErrorCodes.InvalidTimeRange }),
        PageNumber: pageNumber,
        PageSize: int({ required: false, description: `Results per page, 1–${MAX_RESULT_PAGE_SIZE}`, min: 1, max: MAX_RESULT_PAGE_SIZE, default: 10, invalid: ErrorCodes.InvalidPageSize }),
      },
      data: resultSchema,
      async handle(caller, { query }) {
        if (!UUID_PATTERN.regex.test(query.ChannelId)) return refuse(ErrorCodes.InvalidChannelIdInList, `ChannelId ${query.ChannelId} is not a channel id`);
        const type: DetectType | undefined = (query.DetectType ?? query.AIType) as DetectType | undefined;
        if (query.DetectType !== undefined && query.AIType !== undefined && query.DetectType !== query.AIType) {
          return refuse(ErrorCodes.InvalidAiType, "DetectType and AIType name the same filter; give one");
        }
        const nowSeconds = Math.floor(deps.now().getTime() / 1000);
        const end = query.EndTime ?? (query.BeginTime === undefined ? nowSeconds : query.BeginTime + MAX_RESULT_SPAN_SECONDS);
        const begin = query.BeginTime ?? end - MAX_RESULT_SPAN_SECONDS;
        if (begin > end) return refuse(ErrorCodes.InvalidTimeRange, `BeginTime ${begin} is after EndTime ${end}`);
        if (end - begin > MAX_RESULT_SPAN_SECONDS) return refuse(ErrorCodes.InvalidTimeRange, "BeginTime–EndTime may span 30 days at most");
        const found = await queryResults(db, caller.appId, {
          TaskId: query.TaskId,
          ChannelId: query.ChannelId,
          Object: query.Object,
          DetectType: type,
          begin: new Date(begin * 1000),
          end: new Date(end * 1000),
          PageNumber: query.PageNumber,
          PageSize: query.PageSize,
        });
        if (!found.ok) return found;
        const AIResults: Record<string, unknown[]> = Object.fromEntries(detectTypes.map((t) => [t, []]));
        for (const row of found.value.rows) {
          const key = row.detectType === "" ? "Snapshot" : row.detectType;
          (AIResults[key] ??= []).push(resultItem(row, ai.snapshotUrls.url(row.mediaBase, row.snapshotKey, nowSeconds), siteUtcOffsetMinutes));
        }
        return succeed({ TaskId: query.TaskId, AIResultCount: found.value.total, AIResults });
      },
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/ai/tasks",
      summary: "获取 AI 任务列表 ListAITasks, oldest first; ChannelList/Templates only when asked for (spec 04 A6)",
      tag: TAG,
      query: {
        IsContainChannelList: bool({ required: false, description: "Include ChannelList; default false", default: false }),
        IsContainTemplate: bool({ required: false, description: "Include Templates; default false", default: false }),
        PageNumber: pageNumber,
        PageSize: int({ required: false, description: `Page size, 1–${MAX_TASK_PAGE_SIZE}`, min: 1, max: MAX_TASK_PAGE_SIZE, default: 20, invalid: ErrorCodes.InvalidPageSize }),
      },
      data: { type: "object", properties: { TotalCount: integer, List: { type: "array", items: taskSchema } } },
      handle: async (caller, { query }) => succeed(await listTasks(db, caller.appId, query, siteUtcOffsetMinutes)),
    }),
    defineRoute({
      method: "PUT",
      url: "/ivc/ai/task/status",
      summary: "更新 AI 任务状态 UpdateAITaskStatus: on starts, off stops the relays' analysis at once (spec 04 A7)",
      tag: TAG,
      query: {
        TaskId: taskId,
        Status: str({ required: true, description: "on or off", minLength: 1, invalid: ErrorCodes.StatusEmpty }),
      },
      data: nullData,
      async handle(caller, { query }) {
        if (query.Status !== "on" && query.Status !== "off") return refuse(ErrorCodes.InvalidStatus, `Status ${query.Status} must be on or off`);
        return announced(query.TaskId, setTaskStatus(db, caller.appId, query.TaskId, query.Status));
      },
    }),
  ];
}
