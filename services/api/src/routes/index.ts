import type { ApiRoute } from "../http/route.js";
import { aiTaskRoutes } from "./ai-tasks.js";
import { channelRoutes } from "./channels.js";
import type { RouteDeps } from "./deps.js";
import { deviceExportRoutes } from "./device-export.js";
import { deviceImportRoutes } from "./device-import.js";
import { deviceRoutes } from "./devices.js";
import { domainRoutes } from "./domains.js";
import { gatewayRoutes } from "./gateways.js";
import { organizationRoutes } from "./organizations.js";
import { playRoutes } from "./plays.js";
import { ptzRoutes } from "./ptz.js";
import { recordPlanRoutes, uploadPlanRoutes } from "./record-plans.js";
import { recordTemplateRoutes, uploadTemplateRoutes } from "./record-templates.js";
import { recordRoutes } from "./records.js";
import { cloudRecordRoutes } from "./cloud-records.js";
import { regionRoutes } from "./regions.js";
import { retrievalTaskRoutes } from "./retrieval-tasks.js";
import { streamAuthRoutes } from "./stream-auth.js";
import { streamRoutes } from "./streams.js";

export function allRoutes(deps: RouteDeps): ApiRoute[] {
  return [
    ...regionRoutes(deps),
    ...organizationRoutes(deps),
    ...deviceRoutes(deps),
    ...channelRoutes(deps),
    ...streamAuthRoutes(deps),
    ...streamRoutes(deps),
    ...gatewayRoutes(deps),
    ...ptzRoutes(deps),
    ...recordRoutes(deps),
    ...deviceImportRoutes(deps),
    ...deviceExportRoutes(deps),
    ...recordTemplateRoutes(deps),
    ...recordPlanRoutes(deps),
    ...uploadTemplateRoutes(deps),
    ...uploadPlanRoutes(deps),
    ...cloudRecordRoutes(deps),
    ...retrievalTaskRoutes(deps),
    ...domainRoutes(deps),
    ...playRoutes(deps),
    ...aiTaskRoutes(deps),
  ];
}
