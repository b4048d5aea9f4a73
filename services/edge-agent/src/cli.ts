#!/usr/bin/env node
/**
 * Local device administration for the installer, talking to the running agent's HTTP port:
 *   ivc-edge device add --protocol 4 --ip 192.168.1.64 --port 80 --user admin --password secret [--name N] [--channels N] [--rtsp-port 554]
 *   ivc-edge device list
 *   ivc-edge device remove <id>
 *   ivc-edge discover
 * The port is EDGE_HTTP_PORT (default 8082); --url http://host:port overrides it.
 */
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: "string" },
    protocol: { type: "string" },
    ip: { type: "string" },
    port: { type: "string" },
    user: { type: "string", default: "" },
    password: { type: "string", default: "" },
    name: { type: "string" },
    type: { type: "string" },
    channels: { type: "string" },
    "rtsp-port": { type: "string" },
  },
});

const base = values.url ?? `http://127.0.0.1:${process.env.EDGE_HTTP_PORT ?? "8082"}`;
const [group, command, arg] = positionals;

async function call(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const data: unknown = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${JSON.stringify(data)}`);
  return data;
}

function usage(): never {
  process.stderr.write("usage: ivc-edge device add --protocol 1-4 --ip IP --port PORT [--user U --password P --name N --channels N --rtsp-port P] | device list | device remove ID | discover\n");
  process.exit(64);
}

try {
  if (group === "device" && command === "add") {
    if (!values.protocol || !values.ip || !values.port) usage();
    const device = await call("POST", "/api/devices", {
      protocol: values.protocol,
      ip: values.ip,
      port: values.port,
      user: values.user,
      password: values.password,
      ...(values.name ? { name: values.name } : {}),
      ...(values.type ? { type: values.type } : {}),
      ...(values.channels ? { channels: values.channels } : {}),
      ...(values["rtsp-port"] ? { rtspPort: values["rtsp-port"] } : {}),
    });
    process.stdout.write(`${JSON.stringify(device, null, 2)}\n`);
  } else if (group === "device" && command === "list") {
    const { devices } = (await call("GET", "/api/devices")) as { devices: Array<{ id: string; name: string; protocolType: number; ip: string; port: number; online: boolean; channels: unknown[] }> };
    for (const d of devices) process.stdout.write(`${d.id}\t${d.protocolType}\t${d.ip}:${d.port}\t${d.online ? "online" : "offline"}\t${d.channels.length} ch\t${d.name}\n`);
  } else if (group === "device" && command === "remove" && arg) {
    process.stdout.write(`${JSON.stringify(await call("DELETE", `/api/devices/${encodeURIComponent(arg)}`))}\n`);
  } else if (group === "discover") {
    process.stdout.write(`${JSON.stringify(await call("GET", "/api/discover"), null, 2)}\n`);
  } else {
    usage();
  }
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
