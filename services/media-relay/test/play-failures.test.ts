import { BusHandlerError, sipInvite } from "@ivc/bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { streamPs, udpSender } from "./support/device.js";
import { portRange, startTestRelay, type TestRelay } from "./support/relay.js";
import { httpGet } from "./support/viewers.js";

let t: TestRelay;
beforeAll(async () => {
  t = await startTestRelay({ RTP_PORTS: portRange(42000), PLAY_TIMEOUT: "3", RTP_SILENCE_TIMEOUT: "1", NO_VIEWER_CLOSE: "1" });
});
afterAll(async () => t?.stop());

const url = (streamId: string) => `http://127.0.0.1:${t.relay.httpPort}/live/${streamId}.live.flv`;
const json = (body: Buffer) => JSON.parse(body.toString()) as { stage: string; error: string; sipStatus?: number };
let failures = 0;

describe("a viewer of a stream that cannot start gets an error naming the stage", () => {
  it("signaling unavailable: nobody answers sip.invite", async () => {
    const res = await httpGet(url("34020000001310000101"), 100_000, 5000);
    expect(res.status).toBe(502);
    expect(json(res.body).stage).toBe("signaling unavailable");
    expect(json(res.body).error).toContain("no sip-server");
  });

  it.each([
    ["sip_timeout", "the device never answered", 504, "signaling timeout", undefined],
    ["device_offline", "device 34020000001320000001 is not registered", 404, "device offline", undefined],
    ["sip_unreachable", "could not send the INVITE", 502, "device unreachable", undefined],
    ["sip_486", "Busy Here", 502, "device refused", 486],
    ["device_refused", "Result ERROR", 502, "device refused", undefined],
  ])("signaling answers %s: HTTP %i naming the stage", async (code, message, status, stage, sipStatus) => {
    const sub = t.bus.reply(sipInvite, { clusterId: t.clusterId }, () => {
      throw new BusHandlerError(code, message);
    });
    const res = await httpGet(url(`340200000013100002${String(failures++).padStart(2, "0")}`), 100_000, 5000);
    sub.unsubscribe();
    expect(res.status).toBe(status);
    const body = json(res.body);
    expect(body).toMatchObject({ stage, ...(sipStatus !== undefined ? { sipStatus } : {}) });
    expect(body.error).toContain(message);
  });

  it("no RTP: the INVITE succeeds but nothing arrives", async () => {
    const sub = t.bus.reply(sipInvite, { clusterId: t.clusterId }, () => ({ callId: "silent" }));
    const res = await httpGet(url("34020000001310000103"), 100_000, 5000);
    sub.unsubscribe();
    expect(res.status).toBe(504);
    expect(json(res.body).stage).toBe("no RTP");
  });

  it("SSRC mismatch: only packets of an SSRC nobody announced arrive", async () => {
    const stops: Array<() => void> = [];
    const sub = t.bus.reply(sipInvite, { clusterId: t.clusterId }, (req) => {
      const udp = udpSender("127.0.0.1", req.mediaPort);
      const d = streamPs(777, udp.send);
      stops.push(() => d.stop(), () => udp.close());
      return { callId: "wrong-ssrc" };
    });
    const res = await httpGet(url("34020000001310000104"), 100_000, 5000);
    sub.unsubscribe();
    stops.forEach((s) => s());
    expect(res.status).toBe(502);
    expect(json(res.body).stage).toBe("SSRC mismatch");
  });

  it("undecodable PS: RTP of the right SSRC carrying no program stream", async () => {
    const stops: Array<() => void> = [];
    const sub = t.bus.reply(sipInvite, { clusterId: t.clusterId }, (req) => {
      const udp = udpSender("127.0.0.1", req.mediaPort);
      let seq = 0;
      const timer = setInterval(() => {
        const packet = Buffer.alloc(200, 0x55);
        packet[0] = 0x80;
        packet[1] = 96;
        packet.writeUInt16BE(seq++, 2);
        packet.writeUInt32BE(Number(req.ssrc), 8);
        udp.send(packet);
      }, 20);
      stops.push(() => clearInterval(timer), () => udp.close());
      return { callId: "garbage" };
    });
    const res = await httpGet(url("34020000001310000105"), 100_000, 5000);
    sub.unsubscribe();
    stops.forEach((s) => s());
    expect(json(res.body).stage).toBe("undecodable PS");
  });
});
