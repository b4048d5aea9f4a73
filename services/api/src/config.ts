import { networkInterfaces } from "node:os";
import { DEFAULT_UTC_OFFSET, env } from "@ivc/runtime";
import type { ConfigOf } from "@ivc/runtime";
import type { ServiceNodeConfig } from "./store/service-nodes.js";

/** The API's own variables; packages/runtime adds NATS_URL, LOG_LEVEL, SIP_ID and CLUSTER_ID. */
export const apiEnv = {
  API_PORT: env.port(8080),
  API_HOST: env.string("0.0.0.0"),
  DATABASE_URL: env.optionalUrl(["postgres", "postgresql"]),
  /** Unset: IVC_VAR_DIR/db. */
  PGLITE_DIR: env.optionalString(),
  IVC_MASTER_KEY: env.optionalString(),
  /** Unset: IVC_VAR_DIR/master.key. */
  IVC_MASTER_KEY_FILE: env.optionalString(),
  IVC_APP_ID: env.string("1250000000", /^[1-9]\d{3,15}$/, "an AppId of 4–16 digits"),
  IVC_SECRET_ID: env.optionalString(),
  IVC_SECRET_KEY: env.optionalString(),
  NODE_NAME: env.string("本地节点"),
  SIP_DOMAIN: env.gbCode("3402000000", 10),
  SIP_PORT: env.port(5060),
  SIP_HOST: env.optionalString(),
  MEDIA_HOST: env.optionalString(),
  MEDIA_HTTP_PORT: env.port(8088),
  RTMP_PORT: env.port(1935),
  /** The relay's TLS listener (HTTPS/WSS on bound play domains); the URLs the API hands out use it. */
  MEDIA_HTTPS_PORT: env.port(8443),
  /** This node's public host name: the CNAME value of domain/cname (spec 01 §5.2); unset: the media host. */
  NODE_PUBLIC_HOST: env.optionalString(),
  /**
   * domain/add resolves the play domain's CNAME in DNS and refuses it (41606) unless it points at this
   * node's CNAME; false for LAN installs whose domains live in a local resolver or hosts files.
   */
  DOMAIN_CNAME_CHECK: env.bool(true),
  SIGNING_CLOCK_SKEW_SECONDS: env.int(300, 0, 3600),
  SIGNING_MAX_KEY_TIME_SECONDS: env.int(7 * 86_400, 60, 365 * 86_400),
  /** Release bundles live under IVC_VAR_DIR/releases (`ivc release publish`). */
  IVC_VAR_DIR: env.string("./var"),
  /** Base of the bundle URLs gateways download from; unset: http://<advertised IPv4>:<API_PORT>. */
  API_PUBLIC_URL: env.optionalUrl(["http", "https"]),
  /** The zone live-to-cloud templates' TimeSections are in (spec 03 §3 names none): China's by default, as the legacy platform's. */
  RECORD_TIME_ZONE: env.utcOffset(DEFAULT_UTC_OFFSET),
  /** A gateway without a heartbeat for this long is offline (3 × the box's default 5 s interval). */
  GATEWAY_OFFLINE_AFTER: env.seconds(15, { min: 1, max: 3600 }),
  /**
   * Recording upload (spec 03 §2): channels of one device (an NVR) a relay pulls at once, and
   * channels one site pulls at once. 4 × 4× downloads of 2 Mbit/s cameras are ~32 Mbit/s per NVR.
   */
  UPLOAD_PER_DEVICE: env.int(4, 1, 64),
  UPLOAD_PER_SITE: env.int(16, 1, 1024),
  /** `<DetectType>=<path.onnx>,…`: user-supplied models for the types the bundled COCO detector cannot see (packages/bus contracts/ai.ts). */
  AI_ONNX_MODELS: env.optionalString(),
  /** Key of the X-IVC-Signature HMAC on AI result callbacks; unset: callbacks carry no signature header. */
  AI_CALLBACK_SECRET: env.optionalString(),
};

export type ApiConfig = ConfigOf<typeof apiEnv> & { SIP_ID: string };

/** The host's first non-loopback IPv4 address: what devices on the LAN can reach when SIP_HOST is unset. */
export function advertisedIpv4(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.family === "IPv4" && !a.internal) return a.address;
    }
  }
  return "127.0.0.1";
}

export function serviceNodeFromConfig(config: ApiConfig, clusterId: string, fallbackHost: string): ServiceNodeConfig {
  const sipIp = config.SIP_HOST ?? fallbackHost;
  return {
    id: clusterId,
    name: config.NODE_NAME,
    sipId: config.SIP_ID,
    sipDomain: config.SIP_DOMAIN,
    sipIp,
    sipPort: config.SIP_PORT,
    mediaHost: config.MEDIA_HOST ?? sipIp,
    mediaHttpPort: config.MEDIA_HTTP_PORT,
    rtmpPort: config.RTMP_PORT,
    publicHost: config.NODE_PUBLIC_HOST ?? "",
    mediaHttpsPort: config.MEDIA_HTTPS_PORT,
  };
}
