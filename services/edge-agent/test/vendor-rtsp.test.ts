import { describe, expect, it } from "vitest";
import { vendorRtspUrl, withCredentials } from "../src/vendor-rtsp.js";

describe("vendor RTSP layouts", () => {
  it("builds the documented main-stream URL of each vendor", () => {
    expect(vendorRtspUrl(1, "192.168.1.64", 1)).toBe("rtsp://192.168.1.64:554/Streaming/Channels/101");
    expect(vendorRtspUrl(1, "192.168.1.64", 12)).toBe("rtsp://192.168.1.64:554/Streaming/Channels/1201");
    expect(vendorRtspUrl(2, "192.168.1.65", 3)).toBe("rtsp://192.168.1.65:554/cam/realmonitor?channel=3&subtype=0");
    expect(vendorRtspUrl(3, "192.168.1.66", 1, 8554)).toBe("rtsp://192.168.1.66:8554/unicast/c1/s0/live");
    expect(vendorRtspUrl(4, "192.168.1.67", 1)).toBeUndefined();
  });

  it("puts percent-encoded credentials into the URL", () => {
    expect(withCredentials("rtsp://10.0.0.2:554/cam/realmonitor?channel=1&subtype=0", "admin", "p@ss:w/rd")).toBe(
      "rtsp://admin:p%40ss%3Aw%2Frd@10.0.0.2:554/cam/realmonitor?channel=1&subtype=0",
    );
    expect(withCredentials("rtsp://10.0.0.2/x", "", "ignored")).toBe("rtsp://10.0.0.2/x");
  });
});
