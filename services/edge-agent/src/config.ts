import { resolve } from "node:path";
import { env } from "@ivc/runtime";

/**
 * edge-agent settings (README "Configuration"). The platform's NATS is the common NATS_URL: the
 * box dials out to it (a leaf node or per-gateway credentials in the URL), so the store needs no
 * inbound port.
 */
export const edgeAgentEnv = {
  /** Single-use activation key from `ivc gateway key create --cluster …`; unused once activated. */
  GATEWAY_KEY: env.optionalString(),
  IVC_VAR_DIR: env.string("./var"),
  /** Identity, device registry and machine id; default IVC_VAR_DIR/edge. */
  EDGE_STATE_DIR: env.optionalString(),
  HEARTBEAT_INTERVAL: env.seconds(5, { min: 1, max: 300 }),
  EDGE_HTTP_PORT: env.portOrZero(8082),
  /** The local page lets anyone who reaches it add devices: loopback unless the installer opens it. */
  EDGE_HTTP_BIND: env.ipv4("127.0.0.1"),
  /** Release root holding versions/ and the `current` link (deploy/edge/README.md); unset: no upgrades. */
  EDGE_RELEASE_ROOT: env.optionalString(),
  /** PEM file of the Ed25519 release public key the box was installed with. */
  EDGE_RELEASE_PUBLIC_KEY: env.optionalString(),
  UPGRADE_HEALTH_TIMEOUT: env.seconds(30, { min: 1, max: 600 }),
  UPGRADE_SETTLE: env.seconds(3, { min: 0.1, max: 120 }),
  UPGRADE_MAX_BYTES: env.int(512 * 1024 * 1024, 1024, 4 * 1024 * 1024 * 1024),
  DEVICE_PROBE_INTERVAL: env.seconds(30, { min: 1, max: 3600 }),
  /** WS-Discovery target (WS-Discovery 1.1 §2.4: 239.255.255.250:3702). */
  ONVIF_DISCOVERY_ADDRESS: env.string("239.255.255.250:3702", /^[^:\s]+:\d{1,5}$/, "HOST:PORT"),
  FFMPEG_PATH: env.string("ffmpeg"),
};

export function stateDirOf(config: { EDGE_STATE_DIR: string | undefined; IVC_VAR_DIR: string }): string {
  return resolve(config.EDGE_STATE_DIR ?? resolve(config.IVC_VAR_DIR, "edge"));
}
