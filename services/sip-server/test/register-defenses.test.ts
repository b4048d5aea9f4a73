import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDigestAuthorization, getHeader, parseDigestChallenge, parseSipMessage, type SipRequest, type SipResponse } from "@ivc/sip";
import { freePort } from "../../../test/support/ports.js";
import { deviceCode, SERVER_ID, startHarness, type Harness } from "./support/harness.js";
import { deviceRequest, rawSipPeer, type RawSipPeer } from "./support/raw-sip.js";

let h: Harness;
const peers: RawSipPeer[] = [];

async function metricValue(name: string, labels: string): Promise<number> {
  const line = (await h.metrics.metrics()).split("\n").find((l) => l.startsWith(`${name}{${labels}`));
  return line ? Number(line.split(" ").pop()) : 0;
}

async function peer(address: string): Promise<RawSipPeer> {
  const p = await rawSipPeer(h.server.port, address);
  peers.push(p);
  return p;
}

/**
 * The first REGISTER of a Hikvision camera re-pointed from another platform (server
 * 44010000002000000001, realm 4401000000): it still answers that platform's last challenge.
 */
function movedCameraRegister(camera: RawSipPeer, deviceId: string, realm: string, nonce: string, cseq: number): SipRequest {
  const text = [
    `REGISTER sip:${SERVER_ID}@${h.domain} SIP/2.0`,
    `Via: SIP/2.0/UDP ${camera.address}:${camera.port};rport;branch=z9hG4bK13788${cseq}3526`,
    `From: <sip:${deviceId}@${h.domain}>;tag=1431390612`,
    `To: <sip:${deviceId}@${h.domain}>`,
    "Call-ID: 1466193591",
    `CSeq: ${cseq} REGISTER`,
    `Contact: <sip:${deviceId}@${camera.address}:${camera.port}>`,
    `Authorization: Digest username="${deviceId}", realm="${realm}", nonce="${nonce}", uri="sip:44010000002000000001@${realm}", response="7ebc2958193eb4d1abc0a6b0cc175a27", algorithm=MD5`,
    "Max-Forwards: 70",
    "User-Agent: IP Camera",
    "Expires: 3600",
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
  const parsed = parseSipMessage(Buffer.from(text));
  if (!parsed.ok || parsed.message.kind !== "request") throw new Error("fixture does not parse");
  return parsed.message;
}

/** The Authorization a device sends in answer to the 401 `challenged`, with `password`. */
function answerChallenge(challenged: SipResponse | undefined, deviceId: string, password: string): string {
  return buildDigestAuthorization({
    challenge: getHeader(challenged!, "WWW-Authenticate") ?? "",
    username: deviceId,
    password,
    method: "REGISTER",
    uri: `sip:${SERVER_ID}@${h.domain}`,
  }) ?? "";
}

beforeAll(async () => {
  h = await startHarness({ SIP_PORT: await freePort() });
});

afterAll(async () => {
  await Promise.all(peers.map((p) => p.close()));
  await h?.close();
});

describe("credentials for another platform (issue 14)", () => {
  it("answers another realm's or an unknown nonce's credentials with a fresh 401 and counts no wrong password", async () => {
    const camera = await peer("127.0.0.4");
    const deviceId = deviceCode(h.domain, "132", 41);
    h.addDevice(deviceId, "12345678");
    // More than the five wrong passwords that would back the address off; each a new transaction.
    for (let cseq = 1; cseq <= 8; cseq++) {
      const request =
        cseq % 2 === 1
          ? movedCameraRegister(camera, deviceId, "4401000000", "1a2b3c4d5e6f7081", cseq)
          : // Our realm (3402000000-style domains are shared by many platforms), their nonce.
            movedCameraRegister(camera, deviceId, h.domain, "9f2c51b0c4d7e6a8b1c0", cseq);
      const response = await camera.send(request);
      expect(response?.status).toBe(401);
      expect(parseDigestChallenge(getHeader(response!, "WWW-Authenticate") ?? "")?.realm).toBe(h.domain);
    }
    expect(await metricValue("ivc_sip_register_total", 'result="wrong-password"')).toBe(0);
    expect(await metricValue("ivc_sip_register_total", 'result="rechallenged"')).toBe(8);

    // The camera then answers our challenge from the same address and is let in.
    const first = await camera.send(deviceRequest(camera, h.domain, deviceId, "REGISTER", { callId: "1466193591", cseq: 20, headers: [["Expires", "3600"]] }));
    expect(first?.status).toBe(401);
    const authorization = answerChallenge(first, deviceId, "12345678");
    const second = await camera.send(
      deviceRequest(camera, h.domain, deviceId, "REGISTER", { callId: "1466193591", cseq: 21, headers: [["Expires", "3600"], ["Authorization", authorization]] }),
    );
    expect(second?.status).toBe(200);
  });

  it("still answers a wrong answer to our own live challenge with 403 and counts it", async () => {
    const camera = await peer("127.0.0.5");
    const deviceId = deviceCode(h.domain, "132", 42);
    h.addDevice(deviceId, "right");
    const first = await camera.send(deviceRequest(camera, h.domain, deviceId, "REGISTER", { callId: "c-42", cseq: 1, headers: [["Expires", "3600"]] }));
    const authorization = answerChallenge(first, deviceId, "wrong");
    const before = await metricValue("ivc_sip_register_total", 'result="wrong-password"');
    const second = await camera.send(deviceRequest(camera, h.domain, deviceId, "REGISTER", { callId: "c-42", cseq: 2, headers: [["Expires", "3600"], ["Authorization", authorization]] }));
    expect(second?.status).toBe(403);
    expect(await metricValue("ivc_sip_register_total", 'result="wrong-password"')).toBe(before + 1);
  });
});

describe("a digest REGISTER replayed from another address (issue 11)", () => {
  it("gets a fresh challenge, counts no wrong password, and does not move the device", async () => {
    const camera = await peer("127.0.0.8");
    const eavesdropper = await peer("127.0.0.9");
    const deviceId = deviceCode(h.domain, "132", 43);
    h.addDevice(deviceId, "12345678");
    const first = await camera.send(deviceRequest(camera, h.domain, deviceId, "REGISTER", { callId: "c-43", cseq: 1, headers: [["Expires", "3600"]] }));
    const authorization = answerChallenge(first, deviceId, "12345678");
    const headers: Array<[string, string]> = [["Expires", "3600"], ["Authorization", authorization]];
    expect((await camera.send(deviceRequest(camera, h.domain, deviceId, "REGISTER", { callId: "c-43", cseq: 2, headers })))?.status).toBe(200);

    // The same Authorization, seen on the LAN and sent again at once from elsewhere: the nonce is not its.
    const wrongBefore = await metricValue("ivc_sip_register_total", 'result="wrong-password"');
    const replayed = await eavesdropper.send(deviceRequest(eavesdropper, h.domain, deviceId, "REGISTER", { callId: "c-43", cseq: 3, headers }));
    expect(replayed?.status).toBe(401);
    expect(await metricValue("ivc_sip_register_total", 'result="wrong-password"')).toBe(wrongBefore);
    const registration = await h.redis.hgetall(`ivc:sip:${h.clusterId}:reg:${deviceId}`);
    expect(registration).toMatchObject({ address: "127.0.0.8", port: String(camera.port) });
  });
});
