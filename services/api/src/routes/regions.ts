import { succeed } from "../errors/outcome.js";
import { defineRoute } from "../http/route.js";
import type { ApiRoute } from "../http/route.js";
import { listServiceNodes } from "../store/service-nodes.js";
import * as data from "./data-schemas.js";
import type { RouteDeps } from "./deps.js";

const TAG = "service nodes";

export function regionRoutes(deps: RouteDeps): ApiRoute[] {
  const regions = async () => succeed((await listServiceNodes(deps.db)).map((n) => ({ Label: n.name, Value: n.id })));
  return [
    defineRoute({
      method: "GET",
      url: "/ivc/cms/config/getallregion",
      summary: "查询域名可绑定服务节点 All service nodes (spec 01 §5.1)",
      tag: TAG,
      query: {},
      data: data.regionList,
      handle: regions,
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/cms/config/getuserregion",
      summary: "查询设备可用服务节点 Service nodes a device may use (spec 01 §5.14); a self-hosted node serves media itself, so every node qualifies",
      tag: TAG,
      query: {},
      data: data.regionList,
      handle: regions,
    }),
  ];
}
