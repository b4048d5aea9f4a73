import { deviceListWorkbook } from "../device-files/workbooks.js";
import { ErrorCodes } from "../errors/codes.js";
import { refuse, succeed } from "../errors/outcome.js";
import { FileDownload } from "../http/file-download.js";
import { defineRoute } from "../http/route.js";
import type { ApiRoute } from "../http/route.js";
import type { DeviceFilter, DeviceListItem } from "../store/devices.js";
import { listDevices } from "../store/devices.js";
import { organizationId } from "../validation/device-fields.js";
import { UUID_PATTERN } from "../validation/patterns.js";
import { bool, str, strArray } from "../validation/rules.js";
import * as data from "./data-schemas.js";
import type { RouteDeps } from "./deps.js";
import { MAX_PAGE_SIZE } from "./devices.js";

/** Largest DeviceIds of one export; not documented by the seed. */
export const MAX_EXPORT_IDS = 5000;

export function deviceExportRoutes(deps: RouteDeps): ApiRoute[] {
  const { db, box } = deps;
  return [
    defineRoute({
      method: "POST",
      url: "/ivc/urm/resource/template",
      summary: "导出设备列表 The device list of an organization as .xlsx: all of it, or the DeviceIds (spec 02 §14)",
      tag: "devices",
      query: {},
      body: {
        OrganizationId: organizationId,
        IsContainSubLevel: bool({ required: true, description: "Include devices of sub-organizations" }),
        IsAllResource: bool({ required: false, description: "true (default without DeviceIds): every device; false: only DeviceIds" }),
        DeviceIds: strArray({
          required: false,
          description: `Device ids to export (1–${MAX_EXPORT_IDS}); with IsAllResource false or omitted`,
          maxItems: MAX_EXPORT_IDS,
          item: str({ required: true, description: "Device id", pattern: UUID_PATTERN, invalid: ErrorCodes.InvalidDeviceId }),
        }),
      },
      data: data.xlsxDownload,
      async handle(caller, { body }) {
        if (body.IsAllResource === true && body.DeviceIds !== undefined) {
          return refuse(ErrorCodes.ParameterValidationFailed, "IsAllResource true and DeviceIds are exclusive (二选一): send one of them");
        }
        if (body.IsAllResource === false && body.DeviceIds === undefined) return refuse(ErrorCodes.InvalidParameter, "DeviceIds is required when IsAllResource is false");
        const filter: DeviceFilter = {
          OrganizationId: body.OrganizationId,
          IsContainSubLevel: body.IsContainSubLevel,
          AccessProtocol: undefined,
          Type: undefined,
          Status: undefined,
          ClusterId: undefined,
          Keyword: undefined,
          DeviceIds: body.DeviceIds,
          PageNumber: 1,
          PageSize: MAX_PAGE_SIZE,
        };
        // The first page checks the organization, so a refusal is still answered in the envelope.
        const first = await listDevices(db, box, caller.appId, filter);
        if (!first.ok) return first;
        async function* pages(): AsyncGenerator<readonly DeviceListItem[]> {
          let page = first.ok ? first.value.List : [];
          for (let number = 2; page.length > 0; number++) {
            yield page;
            if (page.length < MAX_PAGE_SIZE) return;
            const next = await listDevices(db, box, caller.appId, { ...filter, PageNumber: number });
            page = next.ok ? next.value.List : [];
          }
        }
        return succeed(new FileDownload("设备列表.xlsx", await deviceListWorkbook(pages())));
      },
    }),
  ];
}
