import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { succeed } from "../errors/outcome.js";
import { defineRoute } from "../http/route.js";
import type { ApiRoute } from "../http/route.js";
import { TIME_OF_DAY, timeSectionsProblem } from "../recordings/schedule.js";
import type { TimeSection } from "../recordings/schedule.js";
import { addTemplate, deleteTemplate, describeTemplate, listTemplates, modifyTemplate } from "../store/record-templates.js";
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

/** 43404/43405, which the field rules cannot express. */
function checked<T>(sections: readonly TimeSection[] | undefined, field: string, work: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
  const problem = sections === undefined ? undefined : timeSectionsProblem(sections, field);
  return problem ? Promise.resolve({ ok: false, failure: problem }) : work();
}

export function recordTemplateRoutes(deps: RouteDeps): ApiRoute[] {
  const { db } = deps;
  return [
    defineRoute({
      method: "POST",
      url: "/ivc/record/template/add",
      summary: "新增实时上云模板 Add live-to-cloud template (spec 03 §3.1)",
      tag: TAG,
      query: {},
      body: { TemplateName: templateName(true), TimeSections: timeSections(true) },
      data: data.recordTemplate,
      handle: (caller, { body }) => checked(body.TimeSections, "TimeSections", () => addTemplate(db, caller.appId, body.TemplateName, body.TimeSections)),
    }),
    defineRoute({
      method: "POST",
      url: "/ivc/record/template/delete",
      summary: "删除实时上云模板 Delete live-to-cloud template; refused while a plan uses it (spec 03 §3.2)",
      tag: TAG,
      query: {},
      body: { TemplateId: templateId },
      data: data.emptyObject,
      handle: (caller, { body }) => deleteTemplate(db, caller.appId, body.TemplateId),
    }),
    defineRoute({
      method: "POST",
      url: "/ivc/record/template/modify",
      summary: "修改实时上云模板 Rename a template or replace its sections (spec 03 §3.3)",
      tag: TAG,
      query: {},
      body: {
        TemplateId: templateId,
        Mod: obj({ required: true, description: "What to change; absent fields stay", shape: { TemplateName: templateName(false), TimeSections: timeSections(false) } }),
      },
      data: data.recordTemplate,
      handle: (caller, { body }) =>
        checked(body.Mod.TimeSections, "Mod.TimeSections", () =>
          modifyTemplate(db, caller.appId, body.TemplateId, { TemplateName: body.Mod.TemplateName, TimeSections: body.Mod.TimeSections }),
        ),
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/record/template/query",
      summary: "查询实时上云模板详情 Get live-to-cloud template (spec 03 §3.4)",
      tag: TAG,
      query: { TemplateId: templateId },
      data: data.recordTemplate,
      handle: (caller, { query }) => describeTemplate(db, caller.appId, query.TemplateId),
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/record/templatelist/query",
      summary: "查询实时上云模板列表 List the account's live-to-cloud templates (spec 03 §3.5)",
      tag: TAG,
      query: {},
      data: data.recordTemplateList,
      handle: async (caller) => succeed(await listTemplates(db, caller.appId)),
    }),
  ];
}
