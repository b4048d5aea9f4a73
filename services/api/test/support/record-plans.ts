import type { IssuedKey } from "../../src/accounts/keys.js";
import type { Harness } from "./harness.js";

export const TEMPLATE_PATHS = {
  add: "/ivc/record/template/add",
  delete: "/ivc/record/template/delete",
  modify: "/ivc/record/template/modify",
  query: "/ivc/record/template/query",
  list: "/ivc/record/templatelist/query",
} as const;

export const PLAN_PATHS = {
  add: "/ivc/record/plan/add",
  delete: "/ivc/record/plan/delete",
  modify: "/ivc/record/plan/modify",
  query: "/ivc/record/plan/query/byid",
  list: "/ivc/record/planlist/query",
  channels: "/ivc/record/devicelist/query",
  allChannels: "/ivc/record/allchannellist/query",
  organizationChannels: "/ivc/record/channellist/query",
  count: "/ivc/record/channelcount/query",
} as const;

export interface Section {
  DayOfWeek: number;
  StartTime: string;
  EndTime: string;
}

export interface Template {
  TemplateId: string;
  TemplateName: string;
  TimeSections: Section[];
}

export const ALL_WEEK: Section[] = [1, 2, 3, 4, 5, 6, 7].map((DayOfWeek) => ({ DayOfWeek, StartTime: "00:00:00", EndTime: "23:59:59" }));

/** Adds a template and fails the test unless the API accepted it. */
export async function addTemplate(h: Harness, key: IssuedKey, name: string, sections: readonly Section[] = ALL_WEEK): Promise<Template> {
  const { env } = await h.call<Template>(key, "POST", TEMPLATE_PATHS.add, { TemplateName: name, TimeSections: sections });
  if (env.StatusCode !== 200) throw new Error(`template add ${name}: ${env.StatusCode} ${JSON.stringify(env.Data)}`);
  return env.Data;
}

export const UPLOAD_TEMPLATE_PATHS = {
  add: "/ivc/recordbackup/template/add",
  delete: "/ivc/recordbackup/template/delete",
  modify: "/ivc/recordbackup/template/modify",
  query: "/ivc/recordbackup/template/query",
  list: "/ivc/recordbackup/templatelist/query",
} as const;

export const UPLOAD_PLAN_PATHS = {
  add: "/ivc/recordbackup/plan/add",
  delete: "/ivc/recordbackup/plan/delete",
  modify: "/ivc/recordbackup/plan/modify",
  query: "/ivc/recordbackup/plan/query/byid",
  list: "/ivc/recordbackup/planlist/query",
  channels: "/ivc/recordbackup/devicelist/query",
} as const;

export interface UploadTemplate extends Template {
  DevTimeSections: Section[];
  Scale: number;
  CreateAt: string;
  UpdateAt: string;
}

/** Adds an upload template and fails the test unless the API accepted it. */
export async function addUploadTemplate(h: Harness, key: IssuedKey, name: string, sections: readonly Section[], devSections: readonly Section[], scale: number): Promise<UploadTemplate> {
  const { env } = await h.call<UploadTemplate>(key, "POST", UPLOAD_TEMPLATE_PATHS.add, { TemplateName: name, TimeSections: sections, DevTimeSections: devSections, Scale: scale });
  if (env.StatusCode !== 200) throw new Error(`upload template add ${name}: ${env.StatusCode} ${JSON.stringify(env.Data)}`);
  return env.Data;
}
