import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sipInvite } from "@ivc/bus";
import { buildAnswerSdp, type InviteOffer, type MediaResponder, type VirtualDevice } from "@ivc/device-sim";
import { parseGbSdp } from "@ivc/gb28181";
import { freePort } from "../../../test/support/ports.js";
import { inviteOffer } from "../src/invite-sdp.js";
import { startHarness, type Harness } from "./support/harness.js";

const BASE = { channelId: "34020000001310000001", mediaIp: "10.1.1.1", mediaPort: 30002, ssrc: "0200000002", transport: "udp", kind: "live" } as const;

describe("inviteOffer stream number", () => {
  it("asks for the sub stream with a=streamnumber:1 (GB/T 28181-2022) and a=streamprofile:1 (Hikvision/Dahua) before y=", () => {
    const sdp = inviteOffer({ ...BASE, streamNumber: 1 }) ?? "";
    expect(sdp).toContain("a=streamnumber:1\r\na=streamprofile:1\r\ny=0200000002\r\n");
    expect(parseGbSdp(sdp)).toMatchObject({ ok: true, streamNumber: 1 });
  });

  it("names the main stream when asked for 0, and says nothing when no stream number is given", () => {
    expect(inviteOffer({ ...BASE, streamNumber: 0 })).toContain("a=streamnumber:0\r\na=streamprofile:0\r\n");
    const plain = inviteOffer(BASE) ?? "";
    expect(plain).not.toContain("streamnumber");
    expect(plain).not.toContain("streamprofile");
  });
});

/** Answers every INVITE with a PS answer and keeps the offers; no media is needed to check the SDP. */
function recordingResponder(offers: string[]): MediaResponder {
  return {
    answerInvite(offer: InviteOffer) {
      const text = offer.request.body.toString("utf8");
      offers.push(text);
      const sdp = parseGbSdp(text);
      const ssrc = sdp.ok && sdp.ssrc !== undefined ? sdp.ssrc : "0000000001";
      const body = buildAnswerSdp({ channelId: offer.channelId, sessionName: "Play", ip: "127.0.0.1", port: 15060, tcp: false, ssrc });
      return { status: 200, body: Buffer.from(body), contentType: "APPLICATION/SDP" };
    },
  };
}

describe("sip.invite with streamNumber", () => {
  let h: Harness;
  let device: VirtualDevice;
  const offers: string[] = [];

  beforeAll(async () => {
    h = await startHarness({ SIP_PORT: await freePort() }, { inviteTimeoutMs: 1500 });
    device = await h.registeredDevice({ mediaResponder: recordingResponder(offers) });
  });

  afterAll(async () => {
    await h?.close();
  });

  const invite = (ssrcSequence: number, streamNumber?: number) => {
    const channelId = device.channels[0]!.id;
    const ssrc = `0${h.domain.slice(3, 8)}${String(ssrcSequence).padStart(4, "0")}`;
    return h.bus.request(
      sipInvite,
      { clusterId: h.clusterId },
      { streamId: `${channelId}_${ssrcSequence}`, channelId, deviceId: device.deviceId, mediaIp: "127.0.0.1", mediaPort: 30000 + ssrcSequence, ssrc, transport: "udp", kind: "live", ...(streamNumber === undefined ? {} : { streamNumber }) },
      { timeoutMs: 10_000 },
    );
  };

  it("puts streamNumber 1 into the device's INVITE as a=streamnumber:1 and a=streamprofile:1", async () => {
    const reply = await invite(1, 1);
    expect(reply.callId).not.toBe("");
    const sdp = offers.at(-1) ?? "";
    expect(sdp).toContain("a=rtpmap:96 PS/90000\r\n");
    expect(sdp).toContain("a=streamnumber:1\r\n");
    expect(sdp).toContain("a=streamprofile:1\r\n");
  });

  it("sends neither line for a request without streamNumber (the main stream)", async () => {
    await invite(2);
    const sdp = offers.at(-1) ?? "";
    expect(sdp).toContain("s=Play\r\n");
    expect(sdp).not.toMatch(/a=stream(number|profile)/);
  });
});
