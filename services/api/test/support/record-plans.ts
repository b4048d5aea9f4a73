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
