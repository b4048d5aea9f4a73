import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { gatewayProtocolTypes } from "@ivc/bus";
import { handleOpsRequest, listenHttp, type OpsEndpoints } from "@ivc/runtime";
import { DeviceError, type AddDeviceInput, type DeviceManager } from "./devices/device-manager.js";
import { publicDevice } from "./devices/device-registry.js";
import { discoverOnvif } from "./onvif/ws-discovery.js";

export interface LocalHttpOptions {
  ops: OpsEndpoints;
  devices: DeviceManager;
  /** One line about activation for the page ("activated as …", "not activated: set GATEWAY_KEY"). */
  status: () => string;
  discoveryTarget: string;
}

const MAX_BODY = 16 * 1024;

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Form fields or JSON into an add request; undefined when a required field is missing or not a number. */
export function parseAddDevice(fields: Record<string, unknown>): AddDeviceInput | undefined {
  const int = (v: unknown): number | undefined => (v === undefined || v === "" ? undefined : Number.isInteger(Number(v)) ? Number(v) : NaN);
  const protocolType = int(fields.protocol ?? fields.protocolType);
  const port = int(fields.port);
  const type = int(fields.type);
  const channelCount = int(fields.channels ?? fields.channelCount);
  const rtspPort = int(fields.rtspPort);
  const ip = typeof fields.ip === "string" ? fields.ip.trim() : "";
  if (protocolType === undefined || Number.isNaN(protocolType) || port === undefined || !(port >= 1 && port <= 65535) || ip === "") return undefined;
  if ([type, channelCount, rtspPort].some((n) => Number.isNaN(n))) return undefined;
  return {
    protocolType,
    ip,
    port,
    user: typeof fields.user === "string" ? fields.user : "",
    password: typeof fields.password === "string" ? fields.password : "",
    ...(typeof fields.name === "string" && fields.name !== "" ? { name: fields.name } : {}),
    ...(type === 1 || type === 2 ? { type } : {}),
    ...(channelCount !== undefined && channelCount >= 1 && channelCount <= 256 ? { channelCount } : {}),
    ...(rtspPort !== undefined && rtspPort >= 1 && rtspPort <= 65535 ? { rtspPort } : {}),
  };
}

export function renderPage(status: string, devices: DeviceManager): string {
  const rows = devices
    .list()
    .map(
      (d) =>
        `<tr><td>${escapeHtml(d.id)}</td><td>${escapeHtml(d.name)}</td><td>${d.protocolType}</td><td>${escapeHtml(d.ip)}:${d.port}</td>` +
        `<td>${d.channels.length}</td><td>${d.online ? "online" : "offline"}</td>` +
        `<td><form method="post" action="/devices/${encodeURIComponent(d.id)}/delete"><button>remove</button></form></td></tr>`,
    )
    .join("");
  const options = gatewayProtocolTypes.map((p) => `<option value="${p.value}">${p.value} ${escapeHtml(p.label)}</option>`).join("");
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>IVC edge gateway</title></head><body>` +
    `<h1>IVC edge gateway</h1><p>${escapeHtml(status)}</p>` +
    `<h2>Devices</h2><table border="1"><tr><th>Id</th><th>Name</th><th>Protocol</th><th>Address</th><th>Channels</th><th>State</th><th></th></tr>${rows}</table>` +
    `<h2>Add a device</h2><form method="post" action="/devices">` +
    `<label>Protocol <select name="protocol">${options}</select></label> <label>Name <input name="name"></label> ` +
    `<label>IP <input name="ip" required></label> <label>Port <input name="port" value="80" required></label> ` +
    `<label>User <input name="user"></label> <label>Password <input name="password" type="password"></label> ` +
    `<label>Channels (RTSP only) <input name="channels" value="1"></label> <button>Add</button></form>` +
    `<p><a href="/discover">Discover ONVIF cameras</a></p></body></html>`
  );
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "content-type": type });
  res.end(body);
}

/**
 * The box's local HTTP port: /healthz and /metrics, a plain HTML page (device list and add form)
 * for the installer, and the JSON API the CLI uses (/api/devices).
 */
export async function handleLocalRequest(req: IncomingMessage, res: ServerResponse, options: LocalHttpOptions): Promise<void> {
  if (await handleOpsRequest(req, res, options.ops)) return;
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  const { devices } = options;
  if (req.method === "GET" && path === "/") return send(res, 200, "text/html; charset=utf-8", renderPage(options.status(), devices));
  if (req.method === "GET" && path === "/api/devices") return send(res, 200, "application/json", JSON.stringify({ devices: devices.list().map(publicDevice) }));
  if (req.method === "GET" && (path === "/discover" || path === "/api/discover")) {
    const found = await discoverOnvif(options.discoveryTarget, 2000);
    if (path === "/api/discover") return send(res, 200, "application/json", JSON.stringify({ devices: found }));
    const items = found.map((d) => `<li>${escapeHtml(d.from)}: ${d.xaddrs.map(escapeHtml).join(" ")}</li>`).join("");
    return send(res, 200, "text/html; charset=utf-8", `<!doctype html><meta charset="utf-8"><h1>ONVIF cameras</h1><ul>${items}</ul><a href="/">back</a>`);
  }
  const removeMatch = /^\/(?:api\/)?devices\/([A-Za-z0-9_-]+)(\/delete)?$/.exec(path);
  if (removeMatch && ((req.method === "POST" && removeMatch[2]) || (req.method === "DELETE" && !removeMatch[2]))) {
    const removed = await devices.remove(removeMatch[1] ?? "");
    if (req.method === "DELETE") return send(res, removed ? 200 : 404, "application/json", JSON.stringify({ removed }));
    res.writeHead(303, { location: "/" });
    return void res.end();
  }
  if (req.method === "POST" && (path === "/devices" || path === "/api/devices")) {
    const body = await readBody(req);
    const json = path === "/api/devices";
    let fields: Record<string, unknown> = {};
    try {
      fields = body === undefined ? {} : json ? (JSON.parse(body) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(body));
    } catch {
      fields = {};
    }
    const input = parseAddDevice(fields);
    if (!input) return send(res, 400, "application/json", JSON.stringify({ error: "protocol, ip and port (1-65535) are required; numbers must be integers" }));
    try {
      const device = await devices.add(input);
      if (json) return send(res, 201, "application/json", JSON.stringify(publicDevice(device)));
      res.writeHead(303, { location: "/" });
      return void res.end();
    } catch (err) {
      if (err instanceof DeviceError) return send(res, 400, "application/json", JSON.stringify({ error: err.message, code: err.code }));
      throw err;
    }
  }
  send(res, 404, "application/json", JSON.stringify({ error: "not found" }));
}

export function startLocalHttp(port: number, host: string, options: LocalHttpOptions): Promise<Server> {
  return listenHttp(port, host, (req, res) => handleLocalRequest(req, res, options));
}
