import { describe, expect, it } from "vitest";
import { catalogItem, paginate } from "../src/index.js";
import type { DeviceProfile } from "../src/index.js";

const profile: DeviceProfile = {
  deviceId: "34020000001180000001",
  name: "NVR",
  manufacturer: "IVC",
  model: "SIM-NVR",
  firmware: "V1",
  charset: "GB2312",
  catalogPage: 20,
  recordPage: 4,
  presetPage: 4,
  utcOffsetMinutes: 480,
};

describe("paginate", () => {
  it("splits 45 items into pages of 20, 20 and 5", () => {
    const pages = paginate(Array.from({ length: 45 }, (_, i) => i), 20);
    expect(pages.map((page) => page.length)).toEqual([20, 20, 5]);
    expect(pages.flat()).toEqual(Array.from({ length: 45 }, (_, i) => i));
  });

  it("gives no pages for no items and refuses a non-positive size", () => {
    expect(paginate([], 20)).toEqual([]);
    expect(() => paginate([1], 0)).toThrow(RangeError);
  });
});

describe("catalogItem", () => {
  it("describes a channel as a child of the device, with its status and the event when given", () => {
    const item = catalogItem(profile, { id: "34020000001310001001", name: "通道1", status: "OFF" }, "OFF");
    expect(item).toMatchObject({
      deviceId: "34020000001310001001",
      event: "OFF",
      name: "通道1",
      parentId: profile.deviceId,
      civilCode: "340200",
      parental: false,
      status: "OFF",
    });
    expect("event" in catalogItem(profile, { id: "34020000001310001001", name: "x", status: "ON" })).toBe(false);
  });
});
