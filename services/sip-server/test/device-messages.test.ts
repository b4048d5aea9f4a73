import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hikvisionConfigDownloadResponse, hikvisionPlatformCatalog, mobilePositionNotify } from "../../../packages/gb28181/test/fixtures/manscdp-captures.js";
import { freePort } from "../../../test/support/ports.js";
import { sleep, startHarness, type Harness } from "./support/harness.js";

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

describe("a platform's catalog: directory entries are not channels", () => {
  it("publishes the 3 cameras of a 10-entry Hikvision platform catalog as channels and the 7 others as directories", async () => {
    const device = await h.registeredDevice();
    expect(await device.sendManscdp(hikvisionPlatformCatalog(device.deviceId, 90_001))).toBe(200);
    const deadline = Date.now() + 8000;
    const catalogOf = () => h.events.find((e) => e.name === "device.catalog" && e.deviceId === device.deviceId && e.payload.sumNum === 10);
    while (!catalogOf() && Date.now() < deadline) await sleep(20);
    const payload = catalogOf()?.payload as { channels: Array<{ channelId: string; name: string; parentId?: string }>; directories: Array<{ code: string; kind: string; parentId?: string }> } | undefined;
    expect(payload?.channels.map((c) => [c.channelId, c.name, c.parentId])).toEqual([
      ["34020000001310000001", "一楼大厅", "34020000002160000001"],
      ["34020000001310000002", "后门", "34020000002160000001"],
      ["34020000001320000003", "仓库通道", "34020000002160000002"],
    ]);
    expect(payload?.directories.map((d) => [d.code, d.kind, d.parentId])).toEqual([
      ["3402", "civil-code", undefined],
      ["340201", "civil-code", "3402"],
      ["34020000002150000001", "business-group", undefined],
      ["34020000002160000001", "virtual-organization", "34020000002150000001"],
      ["34020000002160000002", "virtual-organization", "34020000002150000001"],
      ["34020000001340000001", "alarm-input", "34020000002160000001"],
      ["34020000001340000002", "alarm-input", "34020000002160000002"],
    ]);
  });
});

