import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import type { HealthRegistry } from "./health.js";

export interface OpsEndpoints {
  health: HealthRegistry;
  metrics: Registry;
}

/**
 * Answers GET /healthz and GET /metrics; returns false for any other path so a service with its
 * own HTTP server can mount these two routes in front of its own handler.
 */
export async function handleOpsRequest(req: IncomingMessage, res: ServerResponse, ops: OpsEndpoints): Promise<boolean> {
  const path = (req.url ?? "/").split("?")[0];
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  if (path === "/healthz") {
    const report = await ops.health.report();
    res.writeHead(report.status === "ok" ? 200 : 503, { "content-type": "application/json" });
    res.end(JSON.stringify(report));
    return true;
  }
  if (path === "/metrics") {
    const body = await ops.metrics.metrics();
    res.writeHead(200, { "content-type": ops.metrics.contentType });
    res.end(body);
    return true;
  }
  return false;
}

/** A small HTTP server for services whose main protocol is not HTTP (sip-server, edge-agent). */
export async function startOpsServer(port: number, host: string, ops: OpsEndpoints): Promise<Server> {
  const server = createServer((req, res) => {
    handleOpsRequest(req, res, ops)
      .then((handled) => {
        if (!handled) {
          res.writeHead(404, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: "not found", paths: ["/healthz", "/metrics"] }));
        }
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server;
}
