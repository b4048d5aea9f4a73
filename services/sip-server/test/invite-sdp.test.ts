import { describe, expect, it } from "vitest";
import { inviteOffer, inviteSubject, readDeviceAnswer } from "../src/invite-sdp.js";

const BASE = { channelId: "34020000001310000001", mediaIp: "10.1.1.1", mediaPort: 30002, ssrc: "1200000002" } as const;

describe("inviteOffer", () => {
  it("offers Playback with u= and t= in epoch seconds from the bus's epoch milliseconds", () => {
    const sdp = inviteOffer({ ...BASE, transport: "udp", kind: "playback", start: 1_700_000_000_500, end: 1_700_000_600_000 });
    expect(sdp).toContain("s=Playback\r\n");
    expect(sdp).toContain("u=34020000001310000001:0\r\n");
    expect(sdp).toContain("t=1700000000 1700000600\r\n");
  });

  it("offers Download, and refuses historical kinds without times", () => {
    expect(inviteOffer({ ...BASE, transport: "tcp-active", kind: "download", start: 1000, end: 2000 })).toContain("s=Download\r\n");
    expect(inviteOffer({ ...BASE, transport: "udp", kind: "playback" })).toBeUndefined();
  });

  it("names the relay's TCP role: tcp-passive listens (setup:passive), tcp-active connects (setup:active)", () => {
    expect(inviteOffer({ ...BASE, transport: "tcp-passive", kind: "live" })).toContain("a=setup:passive\r\na=connection:new\r\n");
    expect(inviteOffer({ ...BASE, transport: "tcp-active", kind: "live" })).toContain("a=setup:active\r\na=connection:new\r\n");
  });
});

describe("inviteSubject (GB/T 28181-2016 §9.2.2)", () => {
  it("is <channel>:<ssrc>,<platform>:0", () => {
    expect(inviteSubject("34020000001310000001", "0200000001", "34020000002000000001")).toBe("34020000001310000001:0200000001,34020000002000000001:0");
  });
});

describe("readDeviceAnswer", () => {
  it("reads the device's SSRC, address, port and TCP role", () => {
    const body = Buffer.from("v=0\r\no=x 0 0 IN IP4 192.168.1.64\r\ns=Play\r\nc=IN IP4 192.168.1.64\r\nt=0 0\r\nm=video 15060 TCP/RTP/AVP 96\r\na=setup:passive\r\ny=0100009999\r\n");
    expect(readDeviceAnswer(body)).toEqual({ ok: true, answer: { deviceSsrc: "0100009999", deviceIp: "192.168.1.64", devicePort: 15060, setup: "passive" } });
  });

  it("leaves out a y= that is not 10 digits instead of failing the call", () => {
    const result = readDeviceAnswer(Buffer.from("v=0\r\nc=IN IP4 10.0.0.2\r\nm=video 9000 RTP/AVP 96\r\ny=12345\r\n"));
    expect(result).toEqual({ ok: true, answer: { deviceIp: "10.0.0.2", devicePort: 9000 } });
  });

  it("fails on an empty body", () => {
    expect(readDeviceAnswer(Buffer.alloc(0))).toMatchObject({ ok: false });
  });
});
