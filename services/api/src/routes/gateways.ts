import { gatewayProtocolTypes } from "@ivc/bus";
import { ErrorCodes } from "../errors/codes.js";
import { refuse, succeed } from "../errors/outcome.js";
import { defineRoute } from "../http/route.js";
import type { ApiRoute } from "../http/route.js";
import { BUNDLE_URL_TTL_SECONDS, signedBundleUrl } from "../releases/bundle-url.js";
import { listGatewayDevices } from "../store/gateway-devices.js";
import { serviceVersions, upgradeRunning } from "../store/gateway-versions.js";
import {
  deleteGateway,
  describeGateway,
  findGateway,
  GatewayStatus,
  listGateways,
  monitorFigures,
  setUpgradeState,
  updateGateway,
} from "../store/gateways.js";
import { MAX_NAME_LENGTH } from "../store/gateway-names.js";
import { latestRelease } from "../store/releases.js";
import { DESCRIPTION_PATTERN, NAME_PATTERN, UUID_PATTERN } from "../validation/patterns.js";
import { int, str } from "../validation/rules.js";
import * as data from "./data-schemas.js";
import type { RouteDeps } from "./deps.js";
import { MAX_PAGE_SIZE } from "./devices.js";

const TAG = "gateways";

const gatewayId = str({ required: true, description: "Gateway index id (UUID)", pattern: UUID_PATTERN });

/** The spec 04 Part G routes (G1–G9); gateways come into existence by activation, not by an API call. */
export function gatewayRoutes(deps: RouteDeps): ApiRoute[] {
  const { db } = deps;
  const { control, bundleBaseUrl } = deps.gateways;
  return [
    defineRoute({
      method: "GET",
      url: "/ivc/cms/gateway/list",
      summary: "获取网关列表 List gateways (spec 04 G1)",
      tag: TAG,
      query: {
        Name: str({ required: false, description: "Substring of the gateway name (case-insensitive)", maxLength: 64 }),
        ClusterId: str({ required: false, description: "Service node id", pattern: UUID_PATTERN, invalid: ErrorCodes.NoServiceNode }),
        Status: int({ required: false, description: "0 offline, 1 online", values: Object.values(GatewayStatus) }),
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
      data: data.gatewayPage,
      handle: async (caller, { query }) => succeed(await listGateways(db, caller.appId, query)),
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/cms/gateway/describe",
      summary: "获取网关详情 Describe gateway with the version of each service (spec 04 G2)",
      tag: TAG,
      query: { Id: gatewayId },
      data: data.gatewayDescription,
      handle: (caller, { query }) => describeGateway(db, caller.appId, query.Id),
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/cms/gateway/monitor",
      summary: "获取网关监控信息 Uplink kbps and device/channel online counts from the last heartbeat (spec 04 G3)",
      tag: TAG,
      query: { Id: gatewayId },
      data: data.gatewayMonitor,
      async handle(caller, { query }) {
        const found = await findGateway(db, caller.appId, query.Id);
        return found.ok ? succeed(monitorFigures(found.value)) : found;
      },
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/cms/gateway/devicelist",
      summary: "查询网关下设备列表 LAN devices attached to a gateway (spec 04 G4)",
      tag: TAG,
      query: { Id: gatewayId },
      data: data.gatewayDeviceList,
      async handle(caller, { query }) {
        const found = await findGateway(db, caller.appId, query.Id);
        return found.ok ? succeed(await listGatewayDevices(db, caller.appId, query.Id)) : found;
      },
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/cms/gateway/protocoltype",
      summary: "查询网关接入协议 The gateway access-protocol dictionary (spec 04 G5)",
      tag: TAG,
      query: {},
      data: data.gatewayProtocolTypeList,
      handle: async () => succeed(gatewayProtocolTypes.map((p) => ({ TypeCode: p.typeCode, Label: p.label, Value: p.value }))),
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/cms/gateway/version",
      summary: "查询网关服务版本 Installed and latest version of each service, with upgrade progress (spec 04 G6)",
      tag: TAG,
      query: { Id: gatewayId },
      data: data.gatewayVersions,
      async handle(caller, { query }) {
        const found = await findGateway(db, caller.appId, query.Id);
        if (!found.ok) return found;
        const release = await latestRelease(db);
        return succeed({ Services: serviceVersions(found.value.versions, release, found.value.upgrade) });
      },
    }),
    defineRoute({
      method: "POST",
      url: "/ivc/cms/gateway/upgrade",
      summary: "网关升级 Send the latest release to the box; answers at once, progress via version (spec 04 G7)",
      tag: TAG,
      query: { Id: gatewayId },
      data: data.nullData,
      async handle(caller, { query }) {
        const found = await findGateway(db, caller.appId, query.Id);
        if (!found.ok) return found;
        const gateway = found.value;
        const release = await latestRelease(db);
        if (!release) return refuse(ErrorCodes.RecordNotFound, "no release has been published (ivc release publish)");
        if (gateway.status !== GatewayStatus.Online) return refuse(ErrorCodes.GatewaySignalingFailed, "gateway is offline");
        if (upgradeRunning(gateway.upgrade)) return refuse(ErrorCodes.ResourceInUse, `an upgrade of this gateway is running (${gateway.upgrade?.state ?? ""})`);
        if (gateway.upgrade?.current === release.version) return succeed(null);
        const requestedAt = deps.now();
        const expires = Math.floor(requestedAt.getTime() / 1000) + BUNDLE_URL_TTL_SECONDS;
        const sent = await control.upgrade(gateway.gwId, release.version, signedBundleUrl(bundleBaseUrl, release.version, gateway, expires));
        if (!sent.ok) return sent;
        // Until the box's first report, a second call must already see the upgrade as running.
        await setUpgradeState(db, gateway.gwId, { state: "downloading", version: release.version, current: gateway.upgrade?.current, at: requestedAt.getTime() });
        return succeed(null);
      },
    }),
    defineRoute({
      method: "PUT",
      url: "/ivc/cms/gateway/update",
      summary: "修改网关信息 Rename a gateway or change its description (spec 04 G8)",
      tag: TAG,
      query: {},
      body: {
        Id: gatewayId,
        Name: str({
          required: true,
          description: `Gateway name: Chinese characters, letters, digits, _ and -; at most ${MAX_NAME_LENGTH} characters`,
          minLength: 1,
          maxLength: MAX_NAME_LENGTH,
          pattern: NAME_PATTERN,
          invalid: ErrorCodes.NameInvalid,
        }),
        Description: str({
          required: false,
          description: "Description: Chinese characters, letters, digits, _ and -; at most 128 characters; omitted keeps the current one",
          maxLength: 128,
          pattern: DESCRIPTION_PATTERN,
          invalid: ErrorCodes.DescriptionInvalid,
        }),
      },
      data: data.gateway,
      handle: (caller, { body }) => updateGateway(db, caller.appId, body.Id, body),
    }),
    defineRoute({
      method: "DELETE",
      url: "/ivc/cms/gateway/delete",
      summary: "删除网关 Delete a gateway with its devices and revoke the box (spec 04 G9)",
      tag: TAG,
      query: { Id: gatewayId },
      data: data.nullData,
      async handle(caller, { query }) {
        const deleted = await deleteGateway(db, caller.appId, query.Id);
        if (!deleted.ok) return deleted;
        control.revoke(deleted.value.gwId, "gateway deleted on the platform");
        for (const code of deleted.value.deviceCodes) deps.control.deviceChanged(code, "deleted");
        return succeed(null);
      },
    }),
  ];
}
