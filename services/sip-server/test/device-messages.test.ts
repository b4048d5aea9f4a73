import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hikvisionConfigDownloadResponse, mobilePositionNotify } from "../../../packages/gb28181/test/fixtures/manscdp-captures.js";
import { freePort } from "../../../test/support/ports.js";
import { startHarness, type Harness } from "./support/harness.js";

// MANSCDP the server does not act on is still answered 200; MobilePosition is kept and published.

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ SIP_PORT: await freePort() });
});

afterAll(async () => {
  await h?.close();
});

describe("MANSCDP messages from a registered device", () => {
  it("answers a Hikvision ConfigDownload response (a CmdType not handled) 200, not 400", async () => {
    const device = await h.registeredDevice();
    expect(await device.sendManscdp(hikvisionConfigDownloadResponse(device.deviceId, 17_430))).toBe(200);
    expect(await device.sendManscdp(hikvisionConfigDownloadResponse(device.deviceId, 17_431))).toBe(200);
  });

  it("answers a vendor CmdType 200 and a body that is not MANSCDP 400", async () => {
    const device = await h.registeredDevice();
    const vendor = `<?xml version="1.0" encoding="GB2312"?>\r\n<Notify>\r\n<CmdType>HikSmartEvent</CmdType>\r\n<SN>5</SN>\r\n<DeviceID>${device.deviceId}</DeviceID>\r\n</Notify>\r\n`;
    expect(await device.sendManscdp(Buffer.from(vendor, "latin1"))).toBe(200);
    expect(await device.sendManscdp(Buffer.from("<Notify><CmdType>Keepalive</CmdType>", "latin1"))).toBe(400);
    expect(await device.sendManscdp(Buffer.from(`<Notify><CmdType>X</CmdType><DeviceID>${device.deviceId}</DeviceID></Notify>`, "latin1"))).toBe(400);
  });

  it("stores the last MobilePosition per device and channel in Redis and publishes device.position", async () => {
    const device = await h.registeredDevice();
    const channelId = device.channels[0]!.id;
    expect(await device.sendManscdp(mobilePositionNotify(channelId, 2))).toBe(200);
    const event = await h.waitForEvent("device.position", device.deviceId);
    const expected = {
      clusterId: h.clusterId,
      deviceId: device.deviceId,
      channelId,
      longitude: 116.397128,
      latitude: 39.916527,
      speed: 36.5,
      direction: 90,
      altitude: 43,
      time: "2026-12-07T16:30:12",
    };
    expect(event.payload).toMatchObject(expected);
    const stored = await h.redis.hget(`ivc:sip:${h.clusterId}:position:${device.deviceId}`, channelId);
    expect(JSON.parse(stored ?? "null")).toMatchObject(expected);
  });
});
