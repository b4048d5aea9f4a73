import { Counter, Gauge, type Registry } from "@ivc/runtime";

/**
 * Bytes counted on the media path as plain integers: a Counter call per packet or per viewer
 * write costs more than the arithmetic, so the series read these at scrape time.
 */
export interface TrafficTotals {
  bytesIn: number;
  bytesOut: number;
}

/** The relay's Prometheus series (names are `ivc_media_*`). */
export interface RelayMetrics {
  streams: Gauge<"state">;
  viewers: Gauge<"protocol">;
  traffic: TrafficTotals;
  rtpLost: Counter;
  foreignSsrcPackets: Counter;
  droppedViewers: Counter;
  playFailures: Counter<"stage">;
  bitrate: Gauge<"stream">;
}

export function createRelayMetrics(registry: Registry): RelayMetrics {
  const registers = [registry];
  const traffic: TrafficTotals = { bytesIn: 0, bytesOut: 0 };
  const exported: TrafficTotals = { bytesIn: 0, bytesOut: 0 };
  const exportOnScrape = (key: keyof TrafficTotals) =>
    function (this: Counter) {
      this.inc(traffic[key] - exported[key]);
      exported[key] = traffic[key];
    };
  // Registered for their series only: they read `traffic` when scraped.
  new Counter({ name: "ivc_media_bytes_in_total", help: "RTP bytes received from devices", registers, collect: exportOnScrape("bytesIn") });
  new Counter({ name: "ivc_media_bytes_out_total", help: "FLV bytes sent to viewers", registers, collect: exportOnScrape("bytesOut") });
  return {
    traffic,
    streams: new Gauge({ name: "ivc_media_streams", help: "Streams by state (waiting for media, playing)", labelNames: ["state"], registers }),
    viewers: new Gauge({ name: "ivc_media_viewers", help: "Connected FLV viewers", labelNames: ["protocol"], registers }),
    rtpLost: new Counter({ name: "ivc_media_rtp_lost_total", help: "RTP packets declared lost (sequence gaps)", registers }),
    foreignSsrcPackets: new Counter({ name: "ivc_media_foreign_ssrc_packets_total", help: "RTP packets dropped for an unexpected SSRC", registers }),
    droppedViewers: new Counter({ name: "ivc_media_slow_viewers_dropped_total", help: "Viewers dropped because they could not keep up", registers }),
    playFailures: new Counter({ name: "ivc_media_play_failures_total", help: "Plays that failed, by failed stage", labelNames: ["stage"], registers }),
    bitrate: new Gauge({ name: "ivc_media_stream_bitrate_bps", help: "Received bitrate per stream over the last second", labelNames: ["stream"], registers }),
  };
}
