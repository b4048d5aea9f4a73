import { env, type ConfigOf } from "@ivc/runtime";
import { recordingEnv } from "./recording/recording-config.js";

/** media-relay settings (README "Configuration" lists them with their defaults). */
export const mediaRelayEnv = {
  MEDIA_HTTP_PORT: env.portOrZero(8088),
  MEDIA_BIND: env.ipv4("0.0.0.0"),
  /** The address devices send RTP to (SDP `c=`); defaults to MEDIA_BIND or the first external IPv4. */
  MEDIA_HOST: env.optionalString(),
  /**
   * HTTPS and WSS on the play domains bound to this node (domain/add): one TLS listener choosing the
   * certificate by server name (SNI); 0 lets the system choose (tests).
   */
  MEDIA_HTTPS_PORT: env.portOrZero(8443),
  /** RTMP publish (RTMP devices) and play; 0 lets the system choose (tests). */
  RTMP_PORT: env.portOrZero(1935),
  /**
   * Pull authentication through the API's authstream (PullState/PullSecret) for HTTP-FLV, WS-FLV,
   * HLS and RTMP play. false: viewers are never checked — only for a relay run without the API.
   */
  PULL_AUTH: env.bool(true),
  /**
   * Operator paths (`/api/plays/...`, `/metrics`) answer every address when true; by default only
   * loopback peers (they show SSRCs, device addresses and stage timelines of every stream).
   */
  MEDIA_OPS_PUBLIC: env.bool(false),
  /**
   * Processes that own streams (ingest, demux, fan-out), the listening one included: 0 is one per
   * CPU, 1 keeps everything in one process. docs/architecture.md "Relay shards".
   */
  MEDIA_WORKERS: env.int(0, 0, 64),
  RTP_PORTS: env.portRange({ first: 30000, last: 30999 }),
  PLAY_TIMEOUT: env.seconds(18, { min: 1, max: 120 }),
  RTP_SILENCE_TIMEOUT: env.seconds(15, { min: 1, max: 120 }),
  NO_VIEWER_CLOSE: env.seconds(20, { min: 1, max: 3600 }),
  /** 10-digit SIP domain ID; its digits 4–8 go into every SSRC (GB/T 28181-2016 Annex F.4). */
  SIP_DOMAIN: env.gbCode("3402000000", 10),
  /** HLS segments are written under IVC_VAR_DIR/hls/<streamId>. */
  IVC_VAR_DIR: env.string("./var"),
  /** `<DetectType>=<path.onnx>,…`, the API's setting: the user models this relay runs (packages/bus contracts/ai.ts). */
  AI_ONNX_MODELS: env.optionalString(),
  ...recordingEnv,
};

export type MediaRelayConfig = ConfigOf<typeof mediaRelayEnv>;
