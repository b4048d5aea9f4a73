import { DEFAULT_UTC_OFFSET, env } from "@ivc/runtime";

/** Defaults of the flood protections, shared by the environment and callers that pass no value. */
export const SIP_PROTECTION_DEFAULTS = {
  SIP_TCP_MAX_CONNECTIONS: 1024,
  SIP_TCP_MAX_PER_ADDRESS: 256,
  SIP_TCP_MESSAGE_TIMEOUT: 5_000,
  SIP_REGISTER_RATE: 20,
  SIP_REGISTER_BURST: 200,
  SIP_UNKNOWN_DEVICE_LIMIT: 20,
  SIP_UDP_RATE: 2000,
};
const P = SIP_PROTECTION_DEFAULTS;

/** sip-server settings (README "Configuration" lists them with their defaults). */
export const sipServerEnv = {
  SIP_DOMAIN: env.gbCode("3402000000", 10),
  SIP_PORT: env.port(5060),
  SIP_BIND: env.ipv4("0.0.0.0"),
  SIP_HOST: env.optionalString(),
  SIP_HTTP_PORT: env.portOrZero(8081),
  KEEPALIVE_INTERVAL: env.seconds(60, { min: 1, max: 3600 }),
  KEEPALIVE_MISSES: env.int(3, 1, 20),
  CATALOG_TIMEOUT: env.seconds(10, { min: 1, max: 120 }),
  PTZ_PULSE: env.seconds(0.5, { min: 0.05, max: 10 }),
  DEVICE_TIME_ZONE: env.utcOffset(DEFAULT_UTC_OFFSET),
  SIP_TCP_MAX_CONNECTIONS: env.int(P.SIP_TCP_MAX_CONNECTIONS, 1, 1_000_000),
  SIP_TCP_MAX_PER_ADDRESS: env.int(P.SIP_TCP_MAX_PER_ADDRESS, 1, 1_000_000),
  SIP_TCP_MESSAGE_TIMEOUT: env.seconds(P.SIP_TCP_MESSAGE_TIMEOUT / 1000, { min: 0.1, max: 600 }),
  SIP_REGISTER_RATE: env.int(P.SIP_REGISTER_RATE, 1, 1_000_000),
  SIP_REGISTER_BURST: env.int(P.SIP_REGISTER_BURST, 1, 1_000_000),
  SIP_UNKNOWN_DEVICE_LIMIT: env.int(P.SIP_UNKNOWN_DEVICE_LIMIT, 1, 1_000_000),
  SIP_UDP_RATE: env.int(P.SIP_UDP_RATE, 0, 10_000_000),
};

/** What startSipServer reads from the configuration (durations in milliseconds, as env.seconds gives them). */
export interface SipServerConfig {
  SIP_ID: string;
  SIP_DOMAIN: string;
  SIP_PORT: number;
  SIP_BIND: string;
  SIP_HOST: string | undefined;
  KEEPALIVE_INTERVAL: number;
  KEEPALIVE_MISSES: number;
  CATALOG_TIMEOUT: number;
  /** How long a PTZ move runs before its stop command (ms); 500 when absent. */
  PTZ_PULSE?: number;
  /** The devices' UTC offset ("+08:00"): GB local times carry no zone. "+08:00" when absent. */
  DEVICE_TIME_ZONE?: string;
  /** Flood protections (README); SIP_PROTECTION_DEFAULTS when absent. Durations in ms. */
  SIP_TCP_MAX_CONNECTIONS?: number;
  SIP_TCP_MAX_PER_ADDRESS?: number;
  SIP_TCP_MESSAGE_TIMEOUT?: number;
  SIP_REGISTER_RATE?: number;
  SIP_REGISTER_BURST?: number;
  SIP_UNKNOWN_DEVICE_LIMIT?: number;
  SIP_UDP_RATE?: number;
}
