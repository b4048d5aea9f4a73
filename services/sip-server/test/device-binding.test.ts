import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sipInvite } from "@ivc/bus";
import { buildKeepaliveNotify } from "@ivc/gb28181";
import { freePort } from "../../../test/support/ports.js";
import { startHarness, type Harness } from "./support/harness.js";
import { deviceRequest, rawSipPeer, type RawSipPeer } from "./support/raw-sip.js";

// Issue 11: a keepalive (or any out-of-dialog MESSAGE) with a registered device's code from
// another socket must neither be accepted nor move the device: INVITEs keep going to the socket
// of the device's last digest-authenticated REGISTER.
let h: Harness;
const peers: RawSipPeer[] = [];

async function metricValue(name: string, labels: string): Promise<number> {
  const line = (await h.metrics.metrics()).split("\n").find((l) => l.startsWith(`${name}{${labels}`));
  return line ? Number(line.split(" ").pop()) : 0;
}

beforeAll(async () => {
  h = await startHarness({ SIP_PORT: await freePort() });
});

afterAll(async () => {
  await Promise.all(peers.map((p) => p.close()));
  await h?.close();
});

describe("a registered device is bound to the source of its authenticated REGISTER", () => {
  it("refuses an impostor's keepalive and DeviceInfo answer from another port with 403; the next INVITE goes to the real device", async () => {
    const device = await h.registeredDevice();
    const registered = await h.redis.hgetall(`ivc:sip:${h.clusterId}:reg:${device.deviceId}`);
    const impostor = await rawSipPeer(h.server.port);
    peers.push(impostor);
    expect(impostor.port).not.toBe(device.localPort);

    const keepalive = deviceRequest(impostor, h.domain, device.deviceId, "MESSAGE", {
      callId: randomUUID(),
      body: buildKeepaliveNotify({ sn: 7, deviceId: device.deviceId, status: "OK" }),
    });
    expect((await impostor.send(keepalive))?.status).toBe(403);
    const answer = deviceRequest(impostor, h.domain, device.deviceId, "MESSAGE", {
      callId: randomUUID(),
      body: Buffer.from(`<?xml version="1.0"?><Response><CmdType>DeviceInfo</CmdType><SN>9</SN><DeviceID>${device.deviceId}</DeviceID><Result>OK</Result><Manufacturer>Evil</Manufacturer></Response>`),
    });
    expect((await impostor.send(answer))?.status).toBe(403);
    expect(await metricValue("ivc_sip_wrong_source_refused_total", 'method="MESSAGE"')).toBe(2);
    // Nothing moved: address, port and the keepalive time are the REGISTER's.
    const after = await h.redis.hgetall(`ivc:sip:${h.clusterId}:reg:${device.deviceId}`);
    expect(after).toMatchObject({ address: registered.address, port: String(device.localPort), lastKeepaliveAt: registered.lastKeepaliveAt });

    const channelId = device.channels[0]!.id;
    // The device has no media to offer and answers 488: what matters is that it got the INVITE.
    const refusal = await h.bus.request(
      sipInvite,
      { clusterId: h.clusterId },
      { streamId: channelId, channelId, deviceId: device.deviceId, mediaIp: "127.0.0.1", mediaPort: 40_000, ssrc: `0${h.domain.slice(3, 8)}0001`, transport: "udp", kind: "live" },
      { timeoutMs: 10_000 },
    ).then(() => undefined, (err: unknown) => err);
    expect(String(refusal)).toMatch(/488/);
    expect(device.journal.some((e) => e.method === "INVITE")).toBe(true);
    expect(impostor.received).toEqual([]);
  });

  it("still accepts the real device's keepalive from its own socket", async () => {
    const device = await h.registeredDevice({ keepaliveInterval: 0.2 });
    const before = Number(await h.redis.hget(`ivc:sip:${h.clusterId}:reg:${device.deviceId}`, "lastKeepaliveAt"));
    for (let tries = 0; tries < 50; tries++) {
      const now = Number(await h.redis.hget(`ivc:sip:${h.clusterId}:reg:${device.deviceId}`, "lastKeepaliveAt"));
      if (now > before) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error("the device's own keepalives were not accepted");
  });
});
