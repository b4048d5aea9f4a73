import { ErrorCodes } from "../errors/codes.js";
import { succeed } from "../errors/outcome.js";
import { defineRoute } from "../http/route.js";
import type { ApiRoute } from "../http/route.js";
import { addOrganization, deleteOrganization, listOrganizations, renameOrganization } from "../store/organizations.js";
import { NAME_PATTERN, ORGANIZATION_ID_PATTERN } from "../validation/patterns.js";
import { str } from "../validation/rules.js";
import * as data from "./data-schemas.js";
import type { RouteDeps } from "./deps.js";

const TAG = "organizations";

const organizationName = str({
  required: true,
  description: "Organization name: Chinese characters, letters, digits, _ and -; at most 16 characters",
  minLength: 1,
  maxLength: 16,
  pattern: NAME_PATTERN,
  invalid: ErrorCodes.NameInvalid,
});

function organizationId(description: string) {
  return str({ required: true, description, pattern: ORGANIZATION_ID_PATTERN, invalid: ErrorCodes.InvalidParameter });
}

export function organizationRoutes(deps: RouteDeps): ApiRoute[] {
  return [
    defineRoute({
      method: "POST",
      url: "/ivc/cms/organization/add",
      summary: "新增组织 Add organization (spec 01 §5.10)",
      tag: TAG,
      query: {},
      body: { Name: organizationName, ParentId: organizationId("Parent organization id; \"0\" is the root") },
      data: data.organization,
      handle: (caller, { body }) => addOrganization(deps.db, caller.appId, body.Name, Number(body.ParentId)),
    }),
    defineRoute({
      method: "DELETE",
      url: "/ivc/cms/organization/delete",
      summary: "删除组织 Delete organization (spec 01 §5.11)",
      tag: TAG,
      query: { Id: organizationId("Organization id") },
      data: data.nullData,
      handle: (caller, { query }) => deleteOrganization(deps.db, caller.appId, Number(query.Id)),
    }),
    defineRoute({
      method: "PUT",
      url: "/ivc/cms/organization/update",
      summary: "修改组织 Rename organization (spec 01 §5.12)",
      tag: TAG,
      query: {},
      body: { Id: organizationId("Organization id"), Name: organizationName },
      data: data.organization,
      handle: (caller, { body }) => renameOrganization(deps.db, caller.appId, Number(body.Id), body.Name),
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/cms/organization/query",
      summary: "查询组织 List organizations with device counts (spec 01 §5.13)",
      tag: TAG,
      query: {},
      data: data.organizationList,
      handle: async (caller) => succeed(await listOrganizations(deps.db, caller.appId)),
    }),
  ];
}
