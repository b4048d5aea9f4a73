import { ErrorCodes } from "../errors/codes.js";
import { succeed } from "../errors/outcome.js";
import { defineRoute } from "../http/route.js";
import type { ApiRoute } from "../http/route.js";
import { addRetrievalTask, clustersOfRetrievalTask, deleteRetrievalTask, describeRetrievalTask, listRetrievalTasks } from "../store/retrieval-tasks.js";
import { NAME_PATTERN, UUID_PATTERN } from "../validation/patterns.js";
import { int, objArray, str } from "../validation/rules.js";
import { refuseRange } from "./cloud-records.js";
import * as data from "./data-schemas.js";
import type { RouteDeps } from "./deps.js";
import { RECORD_ID_PATTERN } from "./record-templates.js";

const TAG = "retrieval-tasks";
/** R1: "一个任务最多32个设备通道". */
export const MAX_RETRIEVAL_CHANNELS = 32;

const taskId = str({ required: true, description: "Task id", pattern: RECORD_ID_PATTERN });

export function retrievalTaskRoutes(deps: RouteDeps): ApiRoute[] {
  const { db } = deps;
  return [
    defineRoute({
      method: "POST",
      url: "/ivc/record/retrievetask/add",
      summary: "新增取回任务 Restore archived recordings of up to 32 channels and one day for Expiration days (spec 04 R1)",
      tag: TAG,
      query: {},
      body: {
        TaskName: str({
          required: true,
          description: "Task name: Chinese characters, letters, digits, _ and -; at most 32 characters; unique in the account",
          minLength: 1,
          maxLength: 32,
          pattern: NAME_PATTERN,
          invalid: ErrorCodes.NameInvalid,
        }),
        StartTime: int({ required: true, description: "Start of the range, epoch seconds", min: 0 }),
        EndTime: int({ required: true, description: "End of the range, epoch seconds; at most one day after StartTime", min: 0 }),
        Mode: int({ required: true, description: "1: expedited (the only mode)", values: [1] }),
        Expiration: int({ required: true, description: "Days the restored copy stays readable, 1–365", min: 1, max: 365 }),
        Channels: objArray({
          required: true,
          description: `Channels, 1–${MAX_RETRIEVAL_CHANNELS}`,
          maxItems: MAX_RETRIEVAL_CHANNELS,
          item: {
            DeviceId: str({ required: true, description: "The channel's device id", pattern: UUID_PATTERN, invalid: ErrorCodes.InvalidDeviceId }),
            ChannelId: str({ required: true, description: "Channel id", pattern: UUID_PATTERN, invalid: ErrorCodes.InvalidChannelId }),
          },
        }),
      },
      data: data.retrievalTask,
      handle: async (caller, { body }) => {
        const refused = refuseRange(body.StartTime, body.EndTime, Math.floor(deps.now().getTime() / 1000));
        if (refused) return refused;
        const added = await addRetrievalTask(db, caller.appId, body);
        if (added.ok) deps.retrievalChanges.changed({ taskId: added.value.TaskId, clusterIds: await clustersOfRetrievalTask(db, caller.appId, added.value.TaskId), change: "added" });
        return added;
      },
    }),
    defineRoute({
      method: "POST",
      url: "/ivc/record/retrievetask/delete",
      summary: "删除取回任务 Delete a retrieval task; copies already restored stay until they expire (spec 04 R2)",
      tag: TAG,
      query: {},
      body: { TaskId: taskId },
      data: data.emptyObject,
      handle: async (caller, { body }) => {
        // Asked before the rows go: the relays restoring for this task stop asking for its segments.
        const clusterIds = await clustersOfRetrievalTask(db, caller.appId, body.TaskId);
        const deleted = await deleteRetrievalTask(db, caller.appId, body.TaskId);
        if (deleted.ok) deps.retrievalChanges.changed({ taskId: body.TaskId, clusterIds, change: "deleted" });
        return deleted;
      },
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/record/retrievetaskdetails/query",
      summary: "查询取回任务详情 A retrieval task with each channel's Status (3: nothing archived) (spec 04 R3)",
      tag: TAG,
      query: { TaskId: taskId },
      data: data.retrievalTaskDetails,
      handle: (caller, { query }) => describeRetrievalTask(db, caller.appId, query.TaskId),
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/record/retrievetasklist/query",
      summary: "查询取回任务列表 The account's retrieval tasks (spec 04 R4)",
      tag: TAG,
      query: {},
      data: data.retrievalTaskList,
      handle: async (caller) => succeed(await listRetrievalTasks(db, caller.appId)),
    }),
  ];
}
