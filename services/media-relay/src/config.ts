import { env } from "@ivc/runtime";

/** media-relay settings (README "Configuration" lists them with their defaults). */
export const mediaRelayEnv = {
  MEDIA_HTTP_PORT: env.portOrZero(8088),
  MEDIA_BIND: env.ipv4("0.0.0.0"),
  MEDIA_HOST: env.optionalString(),
  RTMP_PORT: env.port(1935),
  RTP_PORTS: env.portRange({ first: 30000, last: 30999 }),
  PLAY_TIMEOUT: env.seconds(18, { min: 1, max: 120 }),
  RTP_SILENCE_TIMEOUT: env.seconds(15, { min: 1, max: 120 }),
  NO_VIEWER_CLOSE: env.seconds(20, { min: 1, max: 3600 }),
};
