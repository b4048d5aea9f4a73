import { Counter, Gauge, type Registry } from "@ivc/runtime";

/** The relay's Prometheus series (names are `ivc_media_*`). */
export interface RelayMetrics {
  streams: Gauge<"state">;
  viewers: Gauge<"protocol">;
  bytesIn: Counter;
  bytesOut: Counter;
  rtpLost: Counter;
  foreignSsrcPackets: Counter;
  droppedViewers: Counter;
  playFailures: Counter<"stage">;
  bitrate: Gauge<"stream">;
}

export function createRelayMetrics(registry: Registry): RelayMetrics {
  const registers = [registry];
  return {
    streams: new Gauge({ name: "ivc_media_streams", help: "Streams by state (waiting for media, playing)", labelNames: ["state"], registers }),
    viewers: new Gauge({ name: "ivc_media_viewers", help: "Connected FLV viewers", labelNames: ["protocol"], registers }),
    bytesIn: new Counter({ name: "ivc_media_bytes_in_total", help: "RTP bytes received from devices", registers }),
    bytesOut: new Counter({ name: "ivc_media_bytes_out_total", help: "FLV bytes sent to viewers", registers }),
    rtpLost: new Counter({ name: "ivc_media_rtp_lost_total", help: "RTP packets declared lost (sequence gaps)", registers }),
    foreignSsrcPackets: new Counter({ name: "ivc_media_foreign_ssrc_packets_total", help: "RTP packets dropped for an unexpected SSRC", registers }),
    droppedViewers: new Counter({ name: "ivc_media_slow_viewers_dropped_total", help: "Viewers dropped because they could not keep up", registers }),
    playFailures: new Counter({ name: "ivc_media_play_failures_total", help: "Plays that failed, by failed stage", labelNames: ["stage"], registers }),
    bitrate: new Gauge({ name: "ivc_media_stream_bitrate_bps", help: "Received bitrate per stream over the last second", labelNames: ["stream"], registers }),
  };
}
