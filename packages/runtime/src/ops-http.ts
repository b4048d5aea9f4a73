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

/**
 * Serves `handle` on port/host and resolves once listening. A handler that throws answers 500
 * instead of leaving the request hanging or crashing the service.
 */
export async function listenHttp(port: number, host: string, handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<Server> {
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
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

/** A small HTTP server for services whose main protocol is not HTTP (sip-server). */
export function startOpsServer(port: number, host: string, ops: OpsEndpoints): Promise<Server> {
  return listenHttp(port, host, async (req, res) => {
    if (await handleOpsRequest(req, res, ops)) return;
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "not found", paths: ["/healthz", "/metrics"] }));
  });
}
