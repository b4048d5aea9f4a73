import { describe, expect, it } from "vitest";
import { rejectingMediaResponder, resolveDeviceOptions } from "../src/index.js";
import type { VirtualDeviceOptions } from "../src/index.js";

const BASE: VirtualDeviceOptions = {
  deviceId: "34020000001320000001",
  password: "12345678",
  serverHost: "127.0.0.1",
  serverId: "34020000002000000001",
};

describe("resolveDeviceOptions", () => {
  it("fills the defaults of a GB2312 IPC registering over UDP for an hour", () => {
    expect(resolveDeviceOptions(BASE)).toMatchObject({
      serverPort: 5060,
      domain: "3402000000",
      transport: "udp",
      charset: "GB2312",
      localHost: "0.0.0.0",
      localPort: 0,
      kind: "ipc",
      channels: 1,
      keepaliveInterval: 60,
      expires: 3600,
      catalogPage: 4,
      wrongPassword: false,
      mediaResponder: rejectingMediaResponder,
    });
  });

  it("makes a many-channel device an NVR", () => {
    expect(resolveDeviceOptions({ ...BASE, channels: 16 })).toMatchObject({ kind: "nvr", name: "虚拟NVR" });
  });

  it.each<[Partial<VirtualDeviceOptions>, RegExp]>([
    [{ deviceId: "1234" }, /deviceId/],
    [{ serverId: "x" }, /serverId/],
    [{ domain: "34020" }, /domain/],
    [{ password: "" }, /password/],
    [{ serverPort: 0 }, /serverPort/],
    [{ kind: "ipc", channels: 4 }, /channels must be 1\.\.1/],
    [{ channels: 1000 }, /channels/],
    [{ channels: 4, sameId: true }, /sameId/],
    [{ keepaliveInterval: 0 }, /keepaliveInterval/],
    [{ expires: 1.5 }, /expires/],
    [{ catalogPage: 0 }, /catalogPage/],
  ])("rejects %j naming the option", (override, message) => {
    expect(() => resolveDeviceOptions({ ...BASE, ...override })).toThrow(message);
  });
});
