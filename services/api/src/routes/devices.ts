import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import { defineRoute } from "../http/route.js";
import type { ApiRoute } from "../http/route.js";
import { AccessProtocol, DeviceStatus, DeviceType, EnableStatus } from "../store/device-enums.js";
import { addDevice, deleteDevice, describeDevice, listDevices, moveDevices, setDeviceDisabled, updateDevice } from "../store/devices.js";
import { findStreamSigning } from "../store/stream-auth.js";
import { deviceId, description, name, newDeviceFields, organizationId, password, transportProtocol } from "../validation/device-fields.js";
import { UUID_PATTERN } from "../validation/patterns.js";
import { bool, int, str, strArray } from "../validation/rules.js";
import * as data from "./data-schemas.js";
import type { RouteDeps } from "./deps.js";
import { withLastKeepalive } from "./last-keepalive.js";

const TAG = "devices";
/** Largest page the list answers; not documented by the seed (see docs/api-decisions.md). */
export const MAX_PAGE_SIZE = 1000;
/** Largest batch of `updateorg`; not documented by the seed. */
export const MAX_BATCH_IDS = 1000;

/** `update` and `updatestatus` carry `Id` in the query and the body; when both are given they must agree. */
function oneId(queryId: string | undefined, bodyId: string): Outcome<string> {
  if (queryId !== undefined && queryId !== bodyId) return refuse(ErrorCodes.ParameterValidationFailed, "Id in the query differs from Id in the body");
  return succeed(bodyId);
}

export function deviceRoutes(deps: RouteDeps): ApiRoute[] {
  const { db, box, control } = deps;
  return [
    defineRoute({
      method: "POST",
      url: "/ivc/cms/device/add",
      summary: "新增设备 Add device (spec 02 §1)",
      tag: TAG,
      query: {},
      body: newDeviceFields,
      data: data.device,
      async handle(caller, { body }) {
        const added = await addDevice(db, box, caller.appId, body);
        if (added.ok) control.deviceChanged(added.value.Code, "upserted");
        return added;
      },
    }),
    defineRoute({
      method: "DELETE",
      url: "/ivc/cms/device/delete",
      summary: "删除设备 Delete device and its channels (spec 02 §2)",
      tag: TAG,
      query: { Id: deviceId("Device id", true) },
      data: data.nullData,
      async handle(caller, { query }) {
        const deleted = await deleteDevice(db, caller.appId, query.Id);
        if (!deleted.ok) return deleted;
        control.deviceChanged(deleted.value.code, "deleted");
        return succeed(null);
      },
    }),
    defineRoute({
      method: "PUT",
      url: "/ivc/cms/device/update",
      summary: "修改设备 Update device (spec 02 §3)",
      tag: TAG,
      query: { Id: deviceId("Device id (also in the body)", false) },
      body: { Id: deviceId("Device id", true), Name: name(false), TransportProtocol: transportProtocol, Password: password, Description: description },
      data: data.device,
      async handle(caller, { query, body }) {
        const id = oneId(query.Id, body.Id);
        if (!id.ok) return id;
        const updated = await updateDevice(db, box, caller.appId, id.value, body);
        if (updated.ok) control.deviceChanged(updated.value.Code, "upserted");
        return updated;
      },
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/cms/device/describe",
      summary: "查询设备详情 Describe device with SIP registration target and RTMP push URL (spec 02 §4)",
      tag: TAG,
      query: { Id: deviceId("Device id", true) },
      data: data.deviceDescription,
      async handle(caller, { query }) {
        const signing = await findStreamSigning(db, caller.appId);
        const described = await describeDevice(db, box, caller.appId, query.Id, signing.push, Math.floor(deps.now().getTime() / 1000));
        if (!described.ok) return described;
        const [device] = await withLastKeepalive(control, [described.value]);
        return succeed(device);
      },
    }),
    defineRoute({
      method: "PUT",
      url: "/ivc/cms/device/updatestatus",
      summary: "禁用-启用设备 Enable (2) or disable (3) a device; a disabled device is refused at REGISTER/push (spec 02 §5)",
      tag: TAG,
      query: { Id: deviceId("Device id (also in the body)", false) },
      body: {
        Id: deviceId("Device id", true),
        Status: int({ required: true, description: "2 enable, 3 disable", values: Object.values(EnableStatus), invalid: ErrorCodes.InvalidDeviceStatus }),
      },
      data: data.nullData,
      async handle(caller, { query, body }) {
        const id = oneId(query.Id, body.Id);
        if (!id.ok) return id;
        const changed = await setDeviceDisabled(db, caller.appId, id.value, body.Status === EnableStatus.Disable);
        if (!changed.ok) return changed;
        control.deviceChanged(changed.value.code, "upserted");
        return succeed(null);
      },
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/urm/resource/getUserResources",
      summary: "获取设备列表 List devices of an organization (spec 02 §6)",
      tag: TAG,
      query: {
        OrganizationId: organizationId,
        IsContainSubLevel: bool({ required: false, default: false, description: "Include devices of sub-organizations" }),
        AccessProtocol: int({ required: false, description: "1 RTMP, 2 GB, 3 GW", values: Object.values(AccessProtocol), invalid: ErrorCodes.InvalidAccessProtocol }),
        Type: int({ required: false, description: "1 IPC, 2 NVR", values: Object.values(DeviceType), invalid: ErrorCodes.InvalidDeviceType }),
        Status: int({
          required: false,
          description: "0 unregistered, 1 online, 2 offline, 3 disabled",
          values: Object.values(DeviceStatus),
          invalid: ErrorCodes.InvalidDeviceStatus,
        }),
        ClusterId: str({ required: false, description: "Service node id", pattern: UUID_PATTERN, invalid: ErrorCodes.NoServiceNode }),
        Keyword: str({ required: false, description: "Substring of the device name (case-insensitive)", maxLength: 64 }),
        Uin: int({ required: false, description: "Tencent account id; accepted and ignored (one user per account here)" }),
        PageNumber: int({ required: false, default: 1, min: 1, description: "Page number from 1", invalid: ErrorCodes.InvalidPageNumber }),
        PageSize: int({
          required: false,
          default: 20,
          min: 1,
          max: MAX_PAGE_SIZE,
          description: `Page size, 1–${MAX_PAGE_SIZE}`,
          invalid: ErrorCodes.InvalidPageSize,
        }),
      },
      data: data.devicePage,
      async handle(caller, { query }) {
        const page = await listDevices(db, box, caller.appId, query);
        if (!page.ok) return page;
        // The seed's example repeats the request id inside Data (spec 02 §6); kept for clients that read it there.
        return succeed({ TotalCount: page.value.TotalCount, List: await withLastKeepalive(control, page.value.List), RequestId: caller.requestId });
      },
    }),
    defineRoute({
      method: "PUT",
      url: "/ivc/cms/device/updateorg",
      summary: "批量修改设备组织 Move devices to another organization, all or nothing (spec 02 §9)",
      tag: TAG,
      query: {},
      body: {
        Ids: strArray({
          required: true,
          description: `Device ids (1–${MAX_BATCH_IDS})`,
          maxItems: MAX_BATCH_IDS,
          item: str({ required: true, description: "Device id", pattern: UUID_PATTERN, invalid: ErrorCodes.InvalidDeviceId }),
        }),
        OrganizationId: organizationId,
      },
      data: data.nullData,
      handle: (caller, { body }) => moveDevices(db, caller.appId, body.Ids, body.OrganizationId),
    }),
  ];
}
