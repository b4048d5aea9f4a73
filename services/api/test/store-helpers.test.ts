import { describe, expect, it } from "vitest";
import { controllablePtz } from "../src/store/channels.js";
import { gbCode, gbCodePrefix, GB_TYPE_IPC, GB_TYPE_NVR } from "../src/store/gb-code.js";
import { subtreeIds } from "../src/store/organizations.js";
import { playUrls, pushStreamUrl } from "../src/streams/stream-urls.js";

describe("gbCode", () => {
  it("builds domain + type + network digit + 6-digit sequence (the seed's 61010000001320000001)", () => {
    expect(gbCode(gbCodePrefix("6101000000", GB_TYPE_IPC), 1)).toBe("61010000001320000001");
    expect(gbCode(gbCodePrefix("3402000000", GB_TYPE_NVR), 999_999)).toBe("34020000001180999999");
  });

  it("throws on programmer errors: bad domain, sequence out of range", () => {
    expect(() => gbCodePrefix("340200000", GB_TYPE_IPC)).toThrow(RangeError);
    expect(() => gbCode("34020000001320", 0)).toThrow(RangeError);
    expect(() => gbCode("34020000001320", 1_000_000)).toThrow(RangeError);
  });
});

describe("subtreeIds", () => {
  it("collects an organization and everything below it, and survives a cycle", () => {
    const rows = [
      { id: 1, parentId: 0 },
      { id: 2, parentId: 1 },
      { id: 3, parentId: 2 },
      { id: 4, parentId: 0 },
      { id: 5, parentId: 6 },
      { id: 6, parentId: 5 },
    ];
    expect([...subtreeIds(rows, 1)].sort()).toEqual([1, 2, 3]);
    expect([...subtreeIds(rows, 0)].sort()).toEqual([0, 1, 2, 3, 4]);
    expect([...subtreeIds(rows, 5)].sort()).toEqual([5, 6]);
  });
});

describe("pushStreamUrl", () => {
  const node = { mediaHost: "10.0.0.2", mediaHttpPort: 8088, rtmpPort: 1935 };

  it("signs /live/<code> with the expiry and secret", () => {
    expect(pushStreamUrl(node, "34020000001320000001", { secret: "s", validSeconds: 100 }, 1000)).toBe(
      "rtmp://10.0.0.2:1935/live/34020000001320000001?sign=1100-8aef58fd87b0ecdd072db883e237f0fb",
    );
  });

  it("is unsigned without a secret, and brackets an IPv6 media host", () => {
    expect(pushStreamUrl(node, "34020000001320000001", undefined, 1000)).toBe("rtmp://10.0.0.2:1935/live/34020000001320000001");
    expect(pushStreamUrl({ ...node, mediaHost: "2001:db8::1" }, "34020000001320000001", undefined, 0)).toBe(
      "rtmp://[2001:db8::1]:1935/live/34020000001320000001",
    );
  });
});

describe("playUrls", () => {
  const node = { mediaHost: "10.0.0.2", mediaHttpPort: 8088, rtmpPort: 1935 };
  const none = { streamType: undefined, resolution: undefined };

  it("points HTTP-FLV and HLS at the relay with the device and transport to INVITE", () => {
    expect(playUrls(node, "34020000001310000001", { deviceCode: "34020000001180000001", transport: "tcp-passive" }, none, undefined, 0)).toEqual({
      Flv: "http://10.0.0.2:8088/live/34020000001310000001.live.flv?device=34020000001180000001&transport=tcp-passive",
      Hls: "http://10.0.0.2:8088/hls/34020000001310000001/index.m3u8?device=34020000001180000001&transport=tcp-passive",
    });
  });

  it("carries stream_type and resolution, and signs the stream path /live/<id> for both protocols", () => {
    const urls = playUrls(node, "34020000001320000001", undefined, { streamType: 2, resolution: "1080P/I" }, { secret: "s", validSeconds: 100 }, 1000);
    // md5("/live/34020000001320000001-1100-s"), the same value the push URL test pins.
    const sign = "1100-8aef58fd87b0ecdd072db883e237f0fb";
    expect(urls).toEqual({
      Flv: `http://10.0.0.2:8088/live/34020000001320000001.live.flv?stream_type=2&resolution=1080P%2FI&sign=${sign}`,
      Hls: `http://10.0.0.2:8088/hls/34020000001320000001/index.m3u8?stream_type=2&resolution=1080P%2FI&sign=${sign}`,
    });
  });
});

describe("controllablePtz", () => {
  it("counts only a fixed bullet (GB PTZType 3) as not controllable; a missing or unknown PTZType as controllable", () => {
    expect([0, 1, 2, 3, 4, undefined].map(controllablePtz)).toEqual([1, 1, 1, 0, 1, 1]);
  });
});
