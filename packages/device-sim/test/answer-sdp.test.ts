import { describe, expect, it } from "vitest";
import { buildInviteSdp, parseGbSdp } from "@ivc/gb28181";
import { buildAnswerSdp } from "../src/answer-sdp.js";
import { planMedia } from "../src/media-plan.js";

function offer(transport: "udp" | "tcp-passive" | "tcp-active"): ReturnType<typeof parseGbSdp> {
  return parseGbSdp(buildInviteSdp({ kind: "Play", channelId: "34020000001310000001", mediaIp: "10.0.0.5", mediaPort: 30000, transport, ssrc: "0200000001" }));
}

describe("planMedia (RFC 4145 roles)", () => {
  it("sends UDP to the offered address", () => {
    const parsed = offer("udp");
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(planMedia(parsed)).toEqual({ ok: true, plan: { kind: "udp", remoteIp: "10.0.0.5", remotePort: 30000 } });
  });

  it("connects when the platform listens (setup:passive) and listens when it connects (setup:active)", () => {
    const passive = offer("tcp-passive");
    const active = offer("tcp-active");
    if (!passive.ok || !active.ok) throw new Error("offer unreadable");
    expect(planMedia(passive)).toEqual({ ok: true, plan: { kind: "tcp-connect", remoteIp: "10.0.0.5", remotePort: 30000 }, answerSetup: "active" });
    expect(planMedia(active)).toEqual({ ok: true, plan: { kind: "tcp-listen" }, answerSetup: "passive" });
  });

  it("refuses an offer without PS", () => {
    const parsed = parseGbSdp("v=0\r\nc=IN IP4 1.2.3.4\r\nm=video 5000 RTP/AVP 98\r\na=rtpmap:98 H264/90000\r\n");
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(planMedia(parsed)).toMatchObject({ ok: false });
  });
});

describe("buildAnswerSdp", () => {
  it("answers sendonly PS with the device's address, port, SSRC and TCP role, readable by parseGbSdp", () => {
    const sdp = buildAnswerSdp({ channelId: "34020000001310000001", sessionName: "Play", ip: "192.168.1.64", port: 15060, tcp: true, setup: "passive", ssrc: "0200000099" });
    expect(sdp).toContain("m=video 15060 TCP/RTP/AVP 96\r\n");
    expect(sdp).toContain("a=sendonly\r\n");
    expect(sdp).toContain("a=connection:new\r\n");
    expect(parseGbSdp(sdp)).toMatchObject({ ok: true, ssrc: "0200000099", media: { ip: "192.168.1.64", port: 15060, transport: "tcp", setup: "passive" } });
  });
});
