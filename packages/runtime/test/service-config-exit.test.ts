import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));

// Each built service must refuse a bad value before touching the network: one line, exit 78.
const cases: Array<[string, Record<string, string>, RegExp]> = [
  ["sip-server", { SIP_PORT: "five" }, /^configuration error: SIP_PORT="five" is not allowed: expected a TCP\/UDP port number from 1 to 65535$/],
  ["sip-server", { SIP_DOMAIN: "34020" }, /^configuration error: SIP_DOMAIN="34020" is not allowed: expected exactly 10 digits$/],
  ["sip-server", { KEEPALIVE_MISSES: "0" }, /^configuration error: KEEPALIVE_MISSES="0"/],
  ["media-relay", { RTP_PORTS: "30999-30000" }, /^configuration error: RTP_PORTS="30999-30000" is not allowed/],
  ["media-relay", { NATS_URL: "http://127.0.0.1:4222" }, /^configuration error: NATS_URL="http:\/\/127.0.0.1:4222"/],
  ["media-relay", { LOG_LEVEL: "loud" }, /^configuration error: LOG_LEVEL="loud" is not allowed: expected one of fatal, error/],
];

describe("a service started with a bad setting", () => {
  it.each(cases)("%s with %o exits non-zero with one line naming it", (service, vars, message) => {
    const main = `${root}services/${service}/dist/main.js`;
    expect(existsSync(main), `${main} is built by "npm test" (pretest runs tsc -b)`).toBe(true);
    const result = spawnSync(process.execPath, [main], { env: { ...process.env, ...vars }, encoding: "utf8", timeout: 15_000 });
    expect(result.status).toBe(78);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });
});
