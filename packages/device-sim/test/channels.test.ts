import { parseGbCode } from "@ivc/gb28181";
import { describe, expect, it } from "vitest";
import { planChannels } from "../src/index.js";

describe("planChannels", () => {
  it("gives an IPC one camera (type 131) channel with the device's sequence", () => {
    expect(planChannels({ deviceId: "34020000001320000007", kind: "ipc", count: 1 })).toEqual([
      { id: "34020000001310000007", name: "通道1", status: "ON" },
    ]);
  });

  it("reuses the device ID for an IPC channel with sameId", () => {
    expect(planChannels({ deviceId: "34020000001320000007", kind: "ipc", count: 1, sameId: true })[0]?.id).toBe("34020000001320000007");
  });

  it("puts NVR channels of type 131 under the NVR's domain, named 通道N unless named", () => {
    const channels = planChannels({ deviceId: "44010200001180000003", kind: "nvr", count: 16, names: ["大门", "后门"] });
    expect(channels).toHaveLength(16);
    expect(channels.map((channel) => channel.name).slice(0, 3)).toEqual(["大门", "后门", "通道3"]);
    for (const channel of channels) {
      const code = parseGbCode(channel.id);
      expect(code).toMatchObject({ ok: true, domain: "4401020000", type: "131" });
    }
    expect(new Set(channels.map((channel) => channel.id)).size).toBe(16);
  });

  it("keeps channel IDs of two NVRs in one domain apart", () => {
    const first = planChannels({ deviceId: "34020000001180000001", kind: "nvr", count: 999 }).map((channel) => channel.id);
    const second = planChannels({ deviceId: "34020000001180000002", kind: "nvr", count: 999 }).map((channel) => channel.id);
    expect(first.filter((id) => second.includes(id))).toEqual([]);
  });

  it("rejects an IPC with several channels and a bad device ID", () => {
    expect(() => planChannels({ deviceId: "34020000001320000007", kind: "ipc", count: 2 })).toThrow(RangeError);
    expect(() => planChannels({ deviceId: "3402", kind: "nvr", count: 2 })).toThrow(RangeError);
    expect(() => planChannels({ deviceId: "34020000001180000001", kind: "nvr", count: 1000 })).toThrow(RangeError);
  });
});
