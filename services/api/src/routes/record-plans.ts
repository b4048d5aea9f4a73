import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import { defineRoute } from "../http/route.js";
import type { ApiRoute } from "../http/route.js";
import type { PlanKind } from "../db/schema.js";
import { countOrganizationChannels, listOrganizationChannels, listPlanChannels, listUploadPlanChannels } from "../store/plan-channel-lists.js";
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

/** What differs between the six plan routes of the two kinds (spec 03 §1.1–1.6, §2.1–2.6). */
interface PlanKindRoutes {
  readonly kind: PlanKind;
  readonly base: string;
  readonly title: { add: string; delete: string; modify: string; query: string; list: string; channels: string };
}

const LIVE: PlanKindRoutes = {
  kind: "live",
  base: "/ivc/record",
  title: {
    add: "新增实时上云计划 Add live-to-cloud plan: channels by id and by organization, one plan per channel (spec 03 §1.1)",
    delete: "删除实时上云计划 Delete live-to-cloud plan (spec 03 §1.2)",
    modify: "修改实时上云计划 Modify a plan; Del is applied before Add and OrganizationId (spec 03 §1.3)",
    query: "查询实时上云计划详情 Get live-to-cloud plan (spec 03 §1.4)",
    list: "查询实时上云计划列表 List the account's live-to-cloud plans (spec 03 §1.5)",
    channels: "查询实时上云计划下的设备通道列表 Channels of a plan; the first non-empty of ChannelName, DeviceName, OrganizationName filters (spec 03 §1.6)",
  },
};

const UPLOAD: PlanKindRoutes = {
  kind: "upload",
  base: "/ivc/recordbackup",
  title: {
    add: "新增录像上云计划 Add recording-upload plan: channels by id and by organization, one upload plan per channel (spec 03 §2.1)",
    delete: "删除录像上云计划 Delete recording-upload plan (spec 03 §2.2)",
    modify: "修改录像上云计划 Modify a recording-upload plan; Del is applied before Add and OrganizationId (spec 03 §2.3)",
    query: "查询录像上云计划详情 Get recording-upload plan (spec 03 §2.4)",
    list: "查询录像上云计划列表 List the account's recording-upload plans (spec 03 §2.5)",
    channels: "查询录像上云计划下的设备通道列表 Channels of an upload plan (empty PlanId: of all), with what was uploaded and what is missing (spec 03 §2.6)",
  },
};

/** The six routes both plan kinds have; live plans have StreamType, upload plans a channel list over all plans and piece states. */
function planRoutes(deps: RouteDeps, spec: PlanKindRoutes): ApiRoute[] {
  const { db } = deps;
  const { kind, base, title } = spec;
  const live = kind === "live";
  // Typed as present for both kinds: the rule is optional, so code shared by both sees `string | undefined`.
  const streamTypeShape = (live ? { StreamType: streamType } : {}) as { StreamType: typeof streamType };
  return [
    defineRoute({
      method: "POST",
      url: `${base}/plan/add`,
      summary: title.add,
      tag: TAG,
      query: {},
      body: {
        PlanName: planName(true),
        TemplateId: templateId,
        Describe: describe,
        ...streamTypeShape,
        LifeCycle: lifeCycle(true),
        Channels: channelRefs(`Channels (with the organizations' channels at most ${MAX_CHANNELS_PER_CALL})`),
        OrganizationId: planOrganizations,
      },
      data: live ? data.recordPlanSummary : data.uploadPlanSummary,
      async handle(caller, { body }) {
        return lifeCycleProblem(body.LifeCycle, "LifeCycle") ?? addPlan(db, kind, caller.appId, body);
      },
    }),
    defineRoute({
      method: "POST",
      url: `${base}/plan/delete`,
      summary: title.delete,
      tag: TAG,
      query: {},
      body: { PlanId: planId },
      data: data.emptyObject,
      handle: (caller, { body }) => deletePlan(db, kind, caller.appId, body.PlanId),
    }),
    defineRoute({
      method: "POST",
      url: `${base}/plan/modify`,
      summary: title.modify,
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
            ...streamTypeShape,
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
      data: live ? data.recordPlanSummary : data.uploadPlanSummary,
      async handle(caller, { body }) {
        return lifeCycleProblem(body.Mod.LifeCycle, "Mod.LifeCycle") ?? modifyPlan(db, kind, caller.appId, body.PlanId, body.Mod);
      },
    }),
    defineRoute({
      method: "GET",
      url: `${base}/plan/query/byid`,
      summary: title.query,
      tag: TAG,
      query: { PlanId: planId },
      data: live ? data.recordPlan : data.uploadPlan,
      handle: (caller, { query }) => describePlan(db, kind, caller.appId, query.PlanId),
    }),
    defineRoute({
      method: "GET",
      url: `${base}/planlist/query`,
      summary: title.list,
      tag: TAG,
      query: {},
      data: live ? data.recordPlanList : data.uploadPlanList,
      handle: async (caller) => succeed(await listPlans(db, kind, caller.appId)),
    }),
    live
      ? defineRoute({
          method: "GET",
          url: `${base}/devicelist/query`,
          summary: title.channels,
          tag: TAG,
          query: { PlanId: planId, DeviceName: nameFilter("device"), ChannelName: nameFilter("channel"), OrganizationName: nameFilter("organization"), ...paging },
          data: data.recordPlanChannelPage,
          handle: (caller, { query }) => listPlanChannels(db, caller.appId, query.PlanId, query, query),
        })
      : defineRoute({
          method: "GET",
          url: `${base}/devicelist/query`,
          summary: title.channels,
          tag: TAG,
          query: {
            // §2.6: required as a key, but an empty value lists the channels of all the account's upload plans.
            PlanId: str({ required: true, description: "Plan id; empty: every upload plan of the account", maxLength: 64, pattern: OPTIONAL_RECORD_ID_PATTERN }),
            DeviceName: nameFilter("device"),
            ChannelName: nameFilter("channel"),
            OrganizationName: nameFilter("organization"),
            ...paging,
          },
          data: data.uploadPlanChannelPage,
          handle: (caller, { query }) => listUploadPlanChannels(db, caller.appId, query.PlanId === "" ? undefined : query.PlanId, query, query),
        }),
  ];
}

/** Plan ids, or nothing (§2.6's empty PlanId). */
const OPTIONAL_RECORD_ID_PATTERN = { regex: /^[A-Za-z0-9-]{0,64}$/, text: "empty or an id of letters, digits and -" };

export function uploadPlanRoutes(deps: RouteDeps): ApiRoute[] {
  return planRoutes(deps, UPLOAD);
}

export function recordPlanRoutes(deps: RouteDeps): ApiRoute[] {
  const { db } = deps;
  return [
    ...planRoutes(deps, LIVE),
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
