import type { ControlFailureKind } from "../bus/device-control.js";
import type { ErrorDef } from "../errors/codes.js";
import { ErrorCodes } from "../errors/codes.js";
import { refuse, succeed } from "../errors/outcome.js";
import { defineRoute } from "../http/route.js";
import type { ApiRoute } from "../http/route.js";
import { listChannels } from "../store/channels.js";
import { AccessProtocol, DeviceStatus } from "../store/device-enums.js";
import { findDevice } from "../store/devices.js";
import { UUID_PATTERN } from "../validation/patterns.js";
import { str } from "../validation/rules.js";
import * as data from "./data-schemas.js";
import type { RouteDeps } from "./deps.js";

const TAG = "channels";

/**
 * Bus failures of the refresh request: the sip-server took too long → 41637 (信令响应超时); no
 * sip-server listens for the node → 51602 (国标信令操作失败); see docs/api-decisions.md.
 */
export const REFRESH_FAILURE_CODES: Record<ControlFailureKind, ErrorDef> = {
  timeout: ErrorCodes.SignalingTimeout,
  "no-responders": ErrorCodes.GbSignalingFailed,
  remote: ErrorCodes.GbSignalingFailed,
  unavailable: ErrorCodes.GbSignalingFailed,
};

const deviceIdRule = str({ required: true, description: "Device id", pattern: UUID_PATTERN, invalid: ErrorCodes.InvalidDeviceId });

export function channelRoutes(deps: RouteDeps): ApiRoute[] {
  return [
    defineRoute({
      method: "GET",
      url: "/ivc/cms/device/channel",
      summary: "通道查询 Channels of a device (spec 02 §7)",
      tag: TAG,
      query: { DeviceId: deviceIdRule },
      data: data.channelList,
      async handle(caller, { query }) {
        if (!(await findDevice(deps.db, caller.appId, query.DeviceId))) {
          return refuse(ErrorCodes.DeviceNotFound, `DeviceId ${query.DeviceId} is not a device`);
        }
        return succeed(await listChannels(deps.db, caller.appId, query.DeviceId));
      },
    }),
    defineRoute({
      method: "POST",
      url: "/ivc/cms/device/refresh",
      summary: "刷新设备通道 Ask the sip-server to query a GB device's catalog again; channels follow asynchronously (spec 02 §8)",
      tag: TAG,
      query: {},
      body: { DeviceId: deviceIdRule },
      data: data.nullData,
      async handle(caller, { body }) {
        const device = await findDevice(deps.db, caller.appId, body.DeviceId);
        if (!device) return refuse(ErrorCodes.DeviceNotFound, `DeviceId ${body.DeviceId} is not a device`);
        if (device.accessProtocol !== AccessProtocol.Gb) return refuse(ErrorCodes.InvalidAccessProtocol, "only GB devices have a catalog");
        if (device.disabled) return refuse(ErrorCodes.DeviceDisabled, `device ${device.code} is disabled`);
        if (device.linkStatus === DeviceStatus.Unregistered) return refuse(ErrorCodes.DeviceNotRegistered, `device ${device.code} never registered`);
        if (device.linkStatus === DeviceStatus.Offline) return refuse(ErrorCodes.DeviceOffline, `device ${device.code} is offline`);
        const result = await deps.control.refreshCatalog(device.clusterId, device.code);
        return result.ok ? succeed(null) : refuse(REFRESH_FAILURE_CODES[result.kind], result.detail);
      },
    }),
  ];
}
