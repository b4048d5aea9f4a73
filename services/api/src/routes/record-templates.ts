import { uploadScales } from "@ivc/bus";
import type { PlanKind } from "../db/schema.js";
import { ErrorCodes } from "../errors/codes.js";
import type { Failure, Outcome } from "../errors/outcome.js";
import { succeed } from "../errors/outcome.js";
import { defineRoute } from "../http/route.js";
import type { ApiRoute } from "../http/route.js";
import { TIME_OF_DAY, timeSectionsProblem, uploadWindowProblem } from "../recordings/schedule.js";
import type { TimeSection } from "../recordings/schedule.js";
import { addTemplate, deleteTemplate, describeTemplate, listTemplates, modifyTemplate } from "../store/record-templates.js";
import type { UploadFields } from "../store/record-templates.js";
import { NAME_PATTERN } from "../validation/patterns.js";
import { int, obj, objArray, str } from "../validation/rules.js";
import * as data from "./data-schemas.js";
import type { RouteDeps } from "./deps.js";

const TAG = "record-templates";
/** Sections of 10 minutes cannot overlap more than 144 a day; overlapping ones are accepted, so the cap only bounds the request. */
export const MAX_TIME_SECTIONS = 7 * 144;

/** Template and plan ids are opaque strings (32 hex digits here; other forms in the document's examples). */
export const RECORD_ID_PATTERN = { regex: /^[A-Za-z0-9-]{1,64}$/, text: "an id of letters, digits and -" };

export const templateId = str({ required: true, description: "Template id", pattern: RECORD_ID_PATTERN });

const templateName = <R extends boolean>(required: R) =>
  str({
    required,
    description: "Template name: Chinese characters, letters, digits, _ and -; at most 32 characters; unique in the account",
    minLength: 1,
    maxLength: 32,
    pattern: NAME_PATTERN,
    invalid: ErrorCodes.NameInvalid,
  });

const time = (description: string) => str({ required: true, description, pattern: TIME_OF_DAY, invalid: ErrorCodes.TimeFormatError });

const timeSections = <R extends boolean>(required: R) =>
  objArray({
    required,
    description: "Weekly sections, each within one day and at least 10 minutes; EndTime 23:59:59 runs to the end of the day",
    maxItems: MAX_TIME_SECTIONS,
    item: {
      DayOfWeek: int({ required: true, description: "1 Monday … 7 Sunday", min: 1, max: 7, invalid: ErrorCodes.PeriodOutOfRange }),
      StartTime: time("Start, HH:MM:SS"),
      EndTime: time("End, HH:MM:SS, not before StartTime"),
    },
  });

/** 43404/43405 of each schedule given, which the field rules cannot express. */
function sectionsProblem(schedules: ReadonlyArray<readonly [readonly TimeSection[] | undefined, string]>): Failure | undefined {
  for (const [sections, field] of schedules) {
    const problem = sections === undefined ? undefined : timeSectionsProblem(sections, field);
    if (problem) return problem;
  }
  return undefined;
}

/** The checks the field rules cannot express, then `work`. */
function checked<T>(problems: ReadonlyArray<() => Failure | undefined>, work: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
  for (const problem of problems) {
    const failure = problem();
    if (failure) return Promise.resolve({ ok: false, failure });
  }
  return work();
}

const scale = int({ required: true, description: "Download speed: 1, 2 or 4", values: [...uploadScales], invalid: ErrorCodes.SpeedUnsupported });

/** The fields and checks that make a template of one kind; the five routes are the same for both (spec 03 §3, §4). */
interface TemplateKind {
  readonly kind: PlanKind;
  readonly base: string;
  readonly title: { add: string; delete: string; modify: string; query: string; list: string };
}

const LIVE: TemplateKind = {
  kind: "live",
  base: "/ivc/record",
  title: {
    add: "新增实时上云模板 Add live-to-cloud template (spec 03 §3.1)",
    delete: "删除实时上云模板 Delete live-to-cloud template; refused while a plan uses it (spec 03 §3.2)",
    modify: "修改实时上云模板 Rename a template or replace its sections (spec 03 §3.3)",
    query: "查询实时上云模板详情 Get live-to-cloud template (spec 03 §3.4)",
    list: "查询实时上云模板列表 List the account's live-to-cloud templates (spec 03 §3.5)",
  },
};

const UPLOAD: TemplateKind = {
  kind: "upload",
  base: "/ivc/recordbackup",
  title: {
    add: "新增录像上云模板 Add recording-upload template: upload window, yesterday's recording window, Scale; 43408 per day (spec 03 §4.1)",
    delete: "删除录像上云模板 Delete recording-upload template; refused while a plan uses it (spec 03 §4.2)",
    modify: "修改录像上云模板 Modify recording-upload template; TimeSections, DevTimeSections and Scale are required (spec 03 §4.3)",
    query: "查询录像上云模板详情 Get recording-upload template (spec 03 §4.4)",
    list: "查询录像上云模板列表 List the account's recording-upload templates (spec 03 §4.5)",
  },
};

function templateRoutes(deps: RouteDeps, spec: TemplateKind): ApiRoute[] {
  const { db, siteUtcOffsetMinutes } = deps;
  const { kind, base, title } = spec;
  const upload = kind === "upload";
  // Typed as optional fields for both kinds (absent from live templates' bodies); the upload rules require them.
  const uploadShape = (upload ? { DevTimeSections: timeSections(true), Scale: scale } : {}) as unknown as { DevTimeSections: ReturnType<typeof timeSections<false>>; Scale: Omit<typeof scale, "required"> & { readonly required: false } };
  /** The upload fields of a validated body (absent from a live template's shape). */
  const uploadOf = (body: { DevTimeSections?: readonly TimeSection[]; Scale?: number }): UploadFields | undefined =>
    body.DevTimeSections !== undefined && body.Scale !== undefined ? { DevTimeSections: body.DevTimeSections, Scale: body.Scale } : undefined;
  const rules = (field: string, sections: readonly TimeSection[] | undefined, extra: UploadFields | undefined) => [
    () => sectionsProblem([[sections, `${field}TimeSections`], [extra?.DevTimeSections, `${field}DevTimeSections`]]),
    () => (sections !== undefined && extra !== undefined ? uploadWindowProblem(sections, extra.DevTimeSections, extra.Scale) : undefined),
  ];
  return [
    defineRoute({
      method: "POST",
      url: `${base}/template/add`,
      summary: title.add,
      tag: TAG,
      query: {},
      body: { TemplateName: templateName(true), TimeSections: timeSections(true), ...uploadShape },
      data: upload ? data.uploadTemplate : data.recordTemplate,
      handle: (caller, { body }) => {
        const extra = uploadOf(body);
        return checked(rules("", body.TimeSections, extra), () => addTemplate(db, kind, caller.appId, body.TemplateName, body.TimeSections, siteUtcOffsetMinutes, extra));
      },
    }),
    defineRoute({
      method: "POST",
      url: `${base}/template/delete`,
      summary: title.delete,
      tag: TAG,
      query: {},
      body: { TemplateId: templateId },
      data: data.emptyObject,
      handle: (caller, { body }) => deleteTemplate(db, kind, caller.appId, body.TemplateId),
    }),
    defineRoute({
      method: "POST",
      url: `${base}/template/modify`,
      summary: title.modify,
      tag: TAG,
      query: {},
      body: {
        TemplateId: templateId,
        Mod: obj({
          required: true,
          description: "What to change; absent fields stay",
          shape: { TemplateName: templateName(false), TimeSections: timeSections(upload), ...uploadShape },
        }),
      },
      data: upload ? data.uploadTemplate : data.recordTemplate,
      handle: (caller, { body }) => {
        const extra = uploadOf(body.Mod);
        return checked(rules("Mod.", body.Mod.TimeSections, extra), () =>
          modifyTemplate(db, kind, caller.appId, body.TemplateId, { TemplateName: body.Mod.TemplateName, TimeSections: body.Mod.TimeSections, ...(extra ? { upload: extra } : {}) }, siteUtcOffsetMinutes),
        );
      },
    }),
    defineRoute({
      method: "GET",
      url: `${base}/template/query`,
      summary: title.query,
      tag: TAG,
      query: { TemplateId: templateId },
      data: upload ? data.uploadTemplate : data.recordTemplate,
      handle: (caller, { query }) => describeTemplate(db, kind, caller.appId, query.TemplateId, siteUtcOffsetMinutes),
    }),
    defineRoute({
      method: "GET",
      url: `${base}/templatelist/query`,
      summary: title.list,
      tag: TAG,
      query: {},
      data: upload ? data.uploadTemplateList : data.recordTemplateList,
      handle: async (caller) => succeed(await listTemplates(db, kind, caller.appId, siteUtcOffsetMinutes)),
    }),
  ];
}

export const recordTemplateRoutes = (deps: RouteDeps): ApiRoute[] => templateRoutes(deps, LIVE);
export const uploadTemplateRoutes = (deps: RouteDeps): ApiRoute[] => templateRoutes(deps, UPLOAD);
