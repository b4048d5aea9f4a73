import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import { defineRoute } from "../http/route.js";
import type { ApiRoute } from "../http/route.js";
import { countOrganizationChannels, listOrganizationChannels, listPlanChannels } from "../store/plan-channel-lists.js";
import { addPlan, deletePlan, describePlan, listPlannedChannelIds, listPlans, MAX_CHANNELS_PER_CALL, modifyPlan } from "../store/record-plans.js";
import type { LifeCycle } from "../store/record-plans.js";
import { DESCRIPTION_PATTERN, NAME_PATTERN, ORGANIZATION_ID_PATTERN, UUID_PATTERN } from "../validation/patterns.js";
import { int, obj, objArray, str, strArray } from "../validation/rules.js";
import * as data from "./data-schemas.js";
import type { RouteDeps } from "./deps.js";
import { MAX_PAGE_SIZE } from "./devices.js";
import { RECORD_ID_PATTERN, templateId } from "./record-templates.js";

const TAG = "record-plans";
/** Organizations per add/modify: the document gives no limit there (43406's 10 is §1.9's); the 5000 channels bound the work. */
export const MAX_PLAN_ORGANIZATIONS = 1000;
/** §1.9: "最多一次支持10个组织" (43406). */
export const MAX_COUNT_ORGANIZATIONS = 10;
/** LifeCycle.Expiration: 0 (not set) or 60–3650 days. */
const MIN_EXPIRATION_DAYS = 60;

const planId = str({ required: true, description: "Plan id", pattern: RECORD_ID_PATTERN });
const planName = <R extends boolean>(required: R) =>
  str({
    required,
    description: "Plan name: Chinese characters, letters, digits, _ and -; at most 32 characters; unique in the account",
    minLength: 1,
    maxLength: 32,
    pattern: NAME_PATTERN,
    invalid: ErrorCodes.NameInvalid,
  });
const describe = str({
  required: false,
  description: "Description: Chinese characters, letters, digits, _ and -; at most 128 characters",
  maxLength: 128,
  pattern: DESCRIPTION_PATTERN,
  invalid: ErrorCodes.DescriptionInvalid,
});
const streamType = str({
  required: false,
  description: "default (the device's default stream; when omitted), main, sub, or a stream name of the device",
  minLength: 1,
  maxLength: 32,
  pattern: { regex: /^[A-Za-z0-9_-]+$/, text: "default, main, sub or a stream name of letters, digits, _ and -" },
});
const lifeCycle = <R extends boolean>(required: R) =>
  obj({
    required,
    description: "Cloud-file lifecycle: Transition hot days 1–3650, Expiration cold days 0 (none) or 60–3650",
    shape: {
      Transition: int({ required: true, description: "Days in hot (standard) storage, 1–3650", min: 1, max: 3650 }),
      Expiration: int({ required: true, description: "Days in cold storage after that: 0 (none) or 60–3650", min: 0, max: 3650 }),
    },
  });
const channelRefs = (description: string) =>
  objArray({
    required: false,
    description,
    maxItems: MAX_CHANNELS_PER_CALL,
    allowEmpty: true,
    item: {
      DeviceId: str({ required: true, description: "The channel's device id", pattern: UUID_PATTERN, invalid: ErrorCodes.InvalidDeviceId }),
      ChannelId: str({ required: true, description: "Channel id", pattern: UUID_PATTERN, invalid: ErrorCodes.InvalidChannelId }),
    },
  });
const organizationIds = <R extends boolean>(maxItems: number, required: R, description: string) =>
  strArray({
    required,
    description,
    maxItems,
    allowEmpty: !required,
    ...(required ? { tooManyError: ErrorCodes.TooManyOrganizations } : {}),
    item: str({ required: true, description: "Organization id (\"0\" is the root)", pattern: ORGANIZATION_ID_PATTERN }),
  });
const planOrganizations = organizationIds(MAX_PLAN_ORGANIZATIONS, false, "Organizations whose channels join the plan, now and when added later (their own devices' channels)");
const paging = {
  PageNumber: int({ required: true, description: "Page number from 1", min: 1, invalid: ErrorCodes.InvalidPageNumber }),
  PageSize: int({ required: true, description: `Page size, 1–${MAX_PAGE_SIZE}`, min: 1, max: MAX_PAGE_SIZE, invalid: ErrorCodes.InvalidPageSize }),
};
const nameFilter = (what: string) => str({ required: false, description: `Substring of the ${what} name (case-insensitive); empty: no filter`, maxLength: 64 });

/** 0 or 60–3650, which one int rule cannot say. */
function lifeCycleProblem(lifeCycleValue: LifeCycle | undefined, field: string): Outcome<never> | undefined {
  if (lifeCycleValue === undefined) return undefined;
  const { Expiration } = lifeCycleValue;
  if (Expiration !== 0 && Expiration < MIN_EXPIRATION_DAYS) return refuse(ErrorCodes.ParameterValidationFailed, `${field}.Expiration must be 0 or ${MIN_EXPIRATION_DAYS}–3650`);
  return undefined;
}

export function recordPlanRoutes(deps: RouteDeps): ApiRoute[] {
  const { db } = deps;
  return [
    defineRoute({
      method: "POST",
      url: "/ivc/record/plan/add",
      summary: "新增实时上云计划 Add live-to-cloud plan: channels by id and by organization, one plan per channel (spec 03 §1.1)",
      tag: TAG,
      query: {},
      body: {
        PlanName: planName(true),
        TemplateId: templateId,
        Describe: describe,
        StreamType: streamType,
        LifeCycle: lifeCycle(true),
        Channels: channelRefs(`Channels to record (with the organizations' channels at most ${MAX_CHANNELS_PER_CALL})`),
        OrganizationId: planOrganizations,
      },
      data: data.recordPlanSummary,
      async handle(caller, { body }) {
        return lifeCycleProblem(body.LifeCycle, "LifeCycle") ?? addPlan(db, caller.appId, body);
      },
    }),
    defineRoute({
      method: "POST",
      url: "/ivc/record/plan/delete",
      summary: "删除实时上云计划 Delete live-to-cloud plan (spec 03 §1.2)",
      tag: TAG,
      query: {},
      body: { PlanId: planId },
      data: data.emptyObject,
      handle: (caller, { body }) => deletePlan(db, caller.appId, body.PlanId),
    }),
    defineRoute({
      method: "POST",
      url: "/ivc/record/plan/modify",
      summary: "修改实时上云计划 Modify a plan; Del is applied before Add and OrganizationId (spec 03 §1.3)",
      tag: TAG,
      query: {},
      body: {
        PlanId: planId,
        Mod: obj({
          required: true,
          description: "What to change; absent fields stay",
          shape: {
            PlanName: planName(false),
            TemplateId: { ...templateId, required: false },
            Describe: describe,
            StreamType: streamType,
            LifeCycle: lifeCycle(false),
            Add: channelRefs(`Channels to add (with the organizations' channels at most ${MAX_CHANNELS_PER_CALL})`),
            Del: strArray({
              required: false,
              description: "Ids of channels to take out of the plan (ids not in it are ignored)",
              maxItems: MAX_CHANNELS_PER_CALL,
              allowEmpty: true,
              item: str({ required: true, description: "Channel id", pattern: UUID_PATTERN, invalid: ErrorCodes.InvalidChannelId }),
            }),
            OrganizationId: planOrganizations,
          },
        }),
      },
      data: data.recordPlanSummary,
      async handle(caller, { body }) {
        return lifeCycleProblem(body.Mod.LifeCycle, "Mod.LifeCycle") ?? modifyPlan(db, caller.appId, body.PlanId, body.Mod);
      },
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/record/plan/query/byid",
      summary: "查询实时上云计划详情 Get live-to-cloud plan (spec 03 §1.4)",
      tag: TAG,
      query: { PlanId: planId },
      data: data.recordPlan,
      handle: (caller, { query }) => describePlan(db, caller.appId, query.PlanId),
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/record/planlist/query",
      summary: "查询实时上云计划列表 List the account's live-to-cloud plans (spec 03 §1.5)",
      tag: TAG,
      query: {},
      data: data.recordPlanList,
      handle: async (caller) => succeed(await listPlans(db, caller.appId)),
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/record/devicelist/query",
      summary: "查询实时上云计划下的设备通道列表 Channels of a plan; the first non-empty of ChannelName, DeviceName, OrganizationName filters (spec 03 §1.6)",
      tag: TAG,
      query: { PlanId: planId, DeviceName: nameFilter("device"), ChannelName: nameFilter("channel"), OrganizationName: nameFilter("organization"), ...paging },
      data: data.recordPlanChannelPage,
      handle: (caller, { query }) => listPlanChannels(db, caller.appId, query.PlanId, query, query),
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/record/allchannellist/query",
      summary: "查询用户下所有实时上云计划中的通道列表 Ids of every channel in any of the account's plans (spec 03 §1.7)",
      tag: TAG,
      query: {},
      data: data.recordChannelIds,
      handle: async (caller) => succeed({ List: await listPlannedChannelIds(db, caller.appId) }),
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/record/channellist/query",
      summary: "查询组织下的通道列表 Channels of an organization's devices with InPlan; ChannelName before DeviceName (spec 03 §1.8)",
      tag: TAG,
      query: {
        OrganizationId: str({ required: true, description: "Organization id (\"0\" is the root)", pattern: ORGANIZATION_ID_PATTERN }),
        DeviceName: nameFilter("device"),
        ChannelName: nameFilter("channel"),
        ...paging,
      },
      data: data.recordOrganizationChannelPage,
      handle: (caller, { query }) => listOrganizationChannels(db, caller.appId, query.OrganizationId, query, query),
    }),
    defineRoute({
      method: "POST",
      url: "/ivc/record/channelcount/query",
      summary: "查询组织下未添加到实时上云计划的通道数量 Channels of up to 10 organizations and how many are in no plan (spec 03 §1.9)",
      tag: TAG,
      query: {},
      body: { OrganizationId: organizationIds(MAX_COUNT_ORGANIZATIONS, true, `Organization ids, 1–${MAX_COUNT_ORGANIZATIONS}`) },
      data: data.recordChannelCount,
      handle: (caller, { body }) => countOrganizationChannels(db, caller.appId, body.OrganizationId),
    }),
  ];
}
