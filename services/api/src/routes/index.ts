import type { ApiRoute } from "../http/route.js";
import { channelRoutes } from "./channels.js";
import type { RouteDeps } from "./deps.js";
import { deviceRoutes } from "./devices.js";
import { organizationRoutes } from "./organizations.js";
import { regionRoutes } from "./regions.js";

export function allRoutes(deps: RouteDeps): ApiRoute[] {
  return [...regionRoutes(deps), ...organizationRoutes(deps), ...deviceRoutes(deps), ...channelRoutes(deps)];
}
