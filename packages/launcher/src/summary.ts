import { networkInterfaces } from "node:os";
import type { ApiKey } from "./first-key.js";

/** The address a camera on the LAN can reach: the first non-internal IPv4, else loopback. */
export function detectLanAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.family === "IPv4" && !a.internal) return a.address;
    }
  }
  return "127.0.0.1";
}

export interface SummaryInput {
  apiPort: string;
  mediaHttpPort: string;
  mediaHttpsPort: string;
  sipId: string;
  sipDomain: string;
  sipHost: string;
  sipPort: string;
  key: ApiKey;
  keyFile: string;
  services: Array<{ name: string; pid: number | undefined }>;
  infra: string[];
}

export function renderSummary(s: SummaryInput): string {
  const lines = [
    "",
    "IVC gateway is running",
    `  API            http://${s.sipHost}:${s.apiPort}/ivc/   (OpenAPI: /openapi.json)`,
    `  Web console    http://${s.sipHost}:${s.apiPort}/console/   (log in with the key below)`,
    `  API key        SecretId  ${s.key.secretId}`,
    `                 SecretKey ${s.key.secretKey}   (${s.key.source === "environment" ? "from IVC_SECRET_ID/IVC_SECRET_KEY" : `generated, kept in ${s.keyFile}`})`,
    "  Camera (GB28181) settings:",
    `    SIP server ID      ${s.sipId}`,
    `    SIP domain         ${s.sipDomain}`,
    `    SIP server IP      ${s.sipHost}`,
    `    SIP server port    ${s.sipPort} (UDP and TCP)`,
    "    device ID/password: the web console's 添加设备 / Add device, or npm run ivc -w @ivc/api -- device add-gb --name NAME",
    `  Live media     http://${s.sipHost}:${s.mediaHttpPort}/   (HTTPS on bound play domains: port ${s.mediaHttpsPort}, domain/add)`,
    `  Services       ${s.services.map((x) => `${x.name} (pid ${x.pid ?? "?"})`).join(", ")}`,
    `  Infrastructure ${s.infra.join(", ")}`,
    "  Ctrl-C stops everything.",
    "",
  ];
  return lines.join("\n");
}
