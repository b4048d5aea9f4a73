import { describe, expect, it } from "vitest";
import { mergeExpositions } from "../src/shards/metrics-merge.js";
import { shardOfChannel, shardOfStream, shardOfTarget } from "../src/shards/placement.js";
import { readRequestLine } from "../src/shards/request-line.js";

const DEVICE = "34020000001320000001";
const CHANNEL = "34020000001310000007";

describe("placement", () => {
  it("puts a channel's live, sub and playback streams and its timeline in one shard", () => {
    const shard = shardOfChannel(CHANNEL, 4);
    for (const id of [`${DEVICE}_${CHANNEL}`, `${DEVICE}_${CHANNEL}_sub`, `${CHANNEL}@abc123`, CHANNEL]) expect(shardOfStream(id, 4)).toBe(shard);
    expect(shardOfTarget(`/api/plays/${DEVICE}_${CHANNEL}`, 4, () => false)).toBe(shard);
    expect(shardOfTarget(`/hls/${DEVICE}_${CHANNEL}/seg12.ts?sign=x`, 4, () => false)).toBe(shard);
    expect(shardOfTarget(`/live/${CHANNEL}.live.flv?device=${DEVICE}`, 4, () => false)).toBe(shard);
  });

  it("spreads consecutive GB channel codes evenly", () => {
    const counts = [0, 0];
    for (let i = 0; i < 1000; i++) counts[shardOfChannel(`3402000000131${String(i).padStart(7, "0")}`, 2)]!++;
    expect(Math.min(...counts)).toBeGreaterThan(450);
  });

  it("keeps pushed streams, gateway pulls and unnamed paths on shard 0", () => {
    const other = [...Array(50).keys()].map((i) => `3402000000131000${String(i).padStart(4, "0")}`).find((c) => shardOfChannel(c, 2) === 1)!;
    expect(shardOfTarget(`/live/${other}.live.flv`, 2, () => false)).toBe(1);
    expect(shardOfTarget(`/live/${other}.live.flv`, 2, (id) => id === other)).toBe(0);
    expect(shardOfTarget(`/live/${other}.live.flv?gw=g1`, 2, () => false)).toBe(0);
    expect(shardOfTarget("/healthz", 2, () => false)).toBe(0);
    expect(shardOfTarget("/metrics", 2, () => false)).toBe(0);
    expect(shardOfTarget(`/live/${other}.live.flv`, 1, () => false)).toBe(0);
    // Downloads: one process holds the relay's concurrency count (RECORDING_DOWNLOAD_CONCURRENCY).
    expect(shardOfTarget(`/video.mp4?source=4dfb778c-fe2b-4892-92c6-ec361f59f4ab%3B1%3B2%3Bmp4&res=x&sign=y`, 4, () => false)).toBe(0);
    expect(shardOfTarget("/video.ts?source=x", 4, () => false)).toBe(0);
  });
});

describe("request line", () => {
  it("waits for the line end, then names the target; a line that is not HTTP names none", () => {
    expect(readRequestLine(Buffer.from("GET /live/a.live.fl"))).toEqual({ complete: false });
    expect(readRequestLine(Buffer.from("GET /live/a.live.flv?x=1 HTTP/1.1\r\nHost: h\r\n"))).toEqual({ complete: true, target: "/live/a.live.flv?x=1" });
    expect(readRequestLine(Buffer.from("GET /x HTTP/1.0\n"))).toEqual({ complete: true, target: "/x" });
    expect(readRequestLine(Buffer.from("\x16\x03\x01\x02\x00\n"))).toEqual({ complete: true, target: undefined });
    expect(readRequestLine(Buffer.alloc(9000, 0x41))).toEqual({ complete: true, target: undefined });
  });
});

describe("metrics of several shard processes", () => {
  it("sums relay series per label set and labels process series by shard", () => {
    const shard = (bytes: number, streams: number, rss: number) =>
      [
        "# HELP ivc_media_bytes_in_total RTP bytes",
        "# TYPE ivc_media_bytes_in_total counter",
        `ivc_media_bytes_in_total{service="media-relay"} ${bytes}`,
        "# HELP ivc_media_streams Streams",
        "# TYPE ivc_media_streams gauge",
        `ivc_media_streams{state="playing",service="media-relay"} ${streams}`,
        "# HELP ivc_media_first_frame_seconds First frame",
        "# TYPE ivc_media_first_frame_seconds histogram",
        `ivc_media_first_frame_seconds_bucket{le="0.1",service="media-relay"} ${streams}`,
        `ivc_media_first_frame_seconds_count{service="media-relay"} ${streams}`,
        "# HELP ivc_process_resident_memory_bytes RSS",
        "# TYPE ivc_process_resident_memory_bytes gauge",
        `ivc_process_resident_memory_bytes{service="media-relay"} ${rss}`,
        "",
      ].join("\n");
    const merged = mergeExpositions([shard(100, 2, 50), shard(30, 3, 70)]).split("\n");
    expect(merged.filter((l) => l.startsWith("ivc_media_bytes_in_total"))).toEqual(['ivc_media_bytes_in_total{service="media-relay"} 130']);
    expect(merged).toContain('ivc_media_streams{state="playing",service="media-relay"} 5');
    expect(merged).toContain('ivc_media_first_frame_seconds_bucket{le="0.1",service="media-relay"} 5');
    expect(merged).toContain('ivc_media_first_frame_seconds_count{service="media-relay"} 5');
    expect(merged).toContain('ivc_process_resident_memory_bytes{service="media-relay"} 50');
    expect(merged).toContain('ivc_process_resident_memory_bytes{shard="1",service="media-relay"} 70');
    expect(merged.filter((l) => l === "# TYPE ivc_media_streams gauge")).toHaveLength(1);
  });
});
