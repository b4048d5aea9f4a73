import { describe, expect, it } from "vitest";
import { parseCliArgs } from "../src/cli-args.js";

const BASE = ["--server", "10.1.2.3:5061", "--server-id", "34020000002000000001", "--id", "34020000001180000001", "--password", "12345678"];

describe("parseCliArgs", () => {
  it("maps flags to device options with the documented defaults", () => {
    expect(parseCliArgs(BASE)).toEqual({
      kind: "run",
      options: {
        deviceId: "34020000001180000001",
        password: "12345678",
        serverHost: "10.1.2.3",
        serverPort: 5061,
        serverId: "34020000002000000001",
        domain: "3402000000",
        transport: "udp",
        charset: "GB2312",
        localPort: 0,
        channels: 1,
        sameId: false,
        keepaliveInterval: 60,
        expires: 3600,
        catalogPage: 4,
        wrongPassword: false,
      },
      media: { codec: "H264", frameRate: 25, audio: false },
    });
  });

  it("reads every optional flag", () => {
    const result = parseCliArgs([
      ...BASE,
      "--domain", "4401000000",
      "--channels", "16",
      "--transport", "tcp",
      "--charset", "utf-8",
      "--local-port", "5070",
      "--keepalive", "0",
      "--expires", "600",
      "--catalog-page", "5",
      "--name", "前门摄像头",
      "--wrong-password",
      "--time-zone=-05:00",
      "--record-page", "3",
      "--presets", "2",
      "--preset-page", "1",
      "--control-result", "ok",
    ]);
    expect(result).toMatchObject({
      kind: "run",
      options: {
        domain: "4401000000",
        channels: 16,
        transport: "tcp",
        charset: "UTF-8",
        localPort: 5070,
        keepaliveInterval: false,
        expires: 600,
        catalogPage: 5,
        name: "前门摄像头",
        wrongPassword: true,
        timeZone: "-05:00",
        recordPage: 3,
        presets: [
          { index: 1, name: "预置点1" },
          { index: 2, name: "预置点2" },
        ],
        presetPage: 1,
        deviceControlResult: "OK",
      },
    });
  });

  it("streams H.265 with --codec h265 (any case)", () => {
    expect(parseCliArgs([...BASE, "--codec", "H265", "--video", "cam.h265"])).toMatchObject({ kind: "run", media: { codec: "H265", video: "cam.h265" } });
  });

  it("defaults the server port to 5060", () => {
    const withoutPort = ["--server", "gb.example", ...BASE.slice(2)];
    expect(parseCliArgs(withoutPort)).toMatchObject({ kind: "run", options: { serverHost: "gb.example", serverPort: 5060 } });
  });

  it.each([
    [["--server", "10.1.2.3:x"], "--server must be HOST or HOST:PORT"],
    [["--id", "123"], "--id must be a 20-digit GB code"],
    [["--transport", "sctp"], "--transport must be udp or tcp"],
    [["--charset", "big5"], "--charset must be gb2312, gb18030 or utf-8"],
    [["--channels", "0"], "--channels must be 1..999"],
    [["--channels", "two"], "--channels must be a whole number"],
    [["--same-id", "--channels", "2"], "--same-id needs --channels 1"],
    [["--frobnicate"], "Unknown option '--frobnicate'"],
    [["--time-zone", "CST"], "timeZone must be a UTC offset"],
    [["--control-result", "maybe"], "--control-result must be ok or error"],
    [["--codec", "vp8"], "--codec must be h264 or h265"],
  ])("rejects %j with a one-line error", (extra, message) => {
    const result = parseCliArgs([...BASE, ...extra]);
    expect(result.kind).toBe("error");
    if (result.kind === "error") {
      expect(result.message).toContain(message);
      expect(result.message).not.toContain("\n");
    }
  });

  it("names a missing required flag", () => {
    expect(parseCliArgs(BASE.slice(0, 6))).toEqual({ kind: "error", message: "--password is required" });
  });

  it("asks for help", () => {
    expect(parseCliArgs(["--help"])).toEqual({ kind: "help" });
  });
});
