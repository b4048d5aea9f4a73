import { Counter, Gauge, type Registry } from "@ivc/runtime";

/** RTMP series next to the relay's `ivc_media_*` ones. */
export interface RtmpMetrics {
  sessions: Gauge<"role">;
  refused: Counter<"direction" | "reason">;
  publishes: Counter;
}

export function createRtmpMetrics(registry: Registry): RtmpMetrics {
  const registers = [registry];
  return {
    sessions: new Gauge({ name: "ivc_media_rtmp_sessions", help: "Open RTMP connections by role (pending, publisher, player)", labelNames: ["role"], registers }),
    refused: new Counter({ name: "ivc_media_rtmp_refused_total", help: "RTMP publishes and plays refused, by reason", labelNames: ["direction", "reason"], registers }),
    publishes: new Counter({ name: "ivc_media_rtmp_publishes_total", help: "RTMP publishes accepted", registers }),
  };
}
