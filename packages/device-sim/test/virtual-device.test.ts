import { once } from "node:events";
import { buildCatalogQuery, buildDeviceInfoQuery, buildInviteSdp, buildDeviceStatusQuery, decodeXmlBody, encodeGb } from "@ivc/gb28181";
import type { CatalogItem } from "@ivc/gb28181";
import { createAck, createDialogAsUac, createInDialogRequest, generateBranch, getHeader, parseCSeq, parseDigestCredentials, parseNameAddr, parseVia } from "@ivc/sip";
import { afterEach, describe, expect, it } from "vitest";
import { RegistrationError, VirtualDevice } from "../src/index.js";
import type { VirtualDeviceOptions } from "../src/index.js";
import { DOMAIN, PLATFORM_ID, TestPlatform } from "./test-platform.js";
import type { TestPlatformOptions } from "./test-platform.js";

const DEVICE_ID = "34020000001320000001";
const NVR_ID = "34020000001180000002";
const PASSWORD = "12345678";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  deviceOptions: Partial<VirtualDeviceOptions> = {},
  platformOptions: Partial<TestPlatformOptions> = {},
): Promise<{ platform: TestPlatform; device: VirtualDevice }> {
  const platform = await TestPlatform.start({ password: PASSWORD, ...platformOptions });
  cleanups.push(() => platform.close());
  const device = new VirtualDevice({
    deviceId: DEVICE_ID,
    password: PASSWORD,
    serverHost: "127.0.0.1",
    serverPort: platform.port,
    serverId: PLATFORM_ID,
    domain: DOMAIN,
    localHost: "127.0.0.1",
    keepaliveInterval: false,
    ...deviceOptions,
  });
  cleanups.push(() => device.stop());
  return { platform, device };
}

const header = (entry: { request: Parameters<typeof getHeader>[0] }, name: string) => getHeader(entry.request, name) ?? "";

describe("VirtualDevice registration (GB/T 28181-2016 §9.1.2.1)", () => {
  it("registers without credentials first, then with a digest the registrar verifies", async () => {
    const { platform, device } = await setup();
    const registered = once(device, "registered");
    await device.start();
    expect(await registered).toEqual([3600]);
    expect(device.registered).toBe(true);

    const [first, second] = platform.requests("REGISTER");
    if (!first || !second) throw new Error("expected two REGISTERs");
    expect(header(first, "Authorization")).toBe("");
    expect(second.auth).toEqual({ ok: true });

    const credentials = parseDigestCredentials(header(second, "Authorization"));
    expect(credentials).toMatchObject({ username: DEVICE_ID, realm: DOMAIN, uri: `sip:${PLATFORM_ID}@${DOMAIN}`, qop: "auth", nc: "00000001" });
    expect(credentials?.cnonce).toMatch(/^[0-9a-f]+$/);

    for (const entry of [first, second]) {
      expect(entry.request.uri).toBe(`sip:${PLATFORM_ID}@${DOMAIN}`);
      expect(parseNameAddr(header(entry, "From"))?.uri).toBe(`sip:${DEVICE_ID}@${DOMAIN}`);
      expect(parseNameAddr(header(entry, "To"))?.uri).toBe(`sip:${DEVICE_ID}@${DOMAIN}`);
      expect(parseNameAddr(header(entry, "Contact"))?.uri).toBe(`sip:${DEVICE_ID}@127.0.0.1:${device.localPort}`);
      expect(header(entry, "Expires")).toBe("3600");
    }
    expect(header(second, "Call-ID")).toBe(header(first, "Call-ID"));
    expect(parseCSeq(header(second, "CSeq"))?.seq).toBe((parseCSeq(header(first, "CSeq"))?.seq ?? 0) + 1);
    expect(parseVia(header(second, "Via"))?.params.branch).not.toBe(parseVia(header(first, "Via"))?.params.branch);
  });

  it("answers an RFC 2069 challenge (no qop) without nc or cnonce", async () => {
    const { platform, device } = await setup({}, { qop: false });
    await device.start();
    const last = platform.requests("REGISTER").at(-1);
    expect(last?.auth).toEqual({ ok: true });
    const credentials = parseDigestCredentials(last ? header(last, "Authorization") : "");
    expect(credentials?.qop).toBeUndefined();
    expect(credentials?.nc).toBeUndefined();
  });

  it("fails start() with the registrar's status when it answers with a wrong password", async () => {
    const { platform, device } = await setup({ wrongPassword: true });
    const failed = once(device, "registerFailed");
    await expect(device.start()).rejects.toMatchObject({ name: "RegistrationError", status: 403 });
    expect((await failed)[0]).toBe(403);
    expect(device.registered).toBe(false);
    expect(platform.requests("REGISTER").at(-1)?.auth).toEqual({ ok: false, reason: "bad-response" });
    // One challenge, one answer: a wrong password must not loop.
    expect(platform.requests("REGISTER")).toHaveLength(2);
  });

  it("reports a registrar that never answers as 408", async () => {
    const { platform, device } = await setup({ timerConfig: { t1: 10, t2: 40, t4: 50 } });
    await platform.close();
    const error = await device.start().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RegistrationError);
    expect((error as RegistrationError).status).toBe(408);
  });

  it("retransmits a lost REGISTER over UDP with the same branch (RFC 3261 Timer E)", async () => {
    const { platform, device } = await setup({ timerConfig: { t1: 20 } }, { dropFirst: 1 });
    await device.start();
    const [lost] = platform.dropped;
    const [retransmitted] = platform.requests("REGISTER");
    if (!lost || !retransmitted) throw new Error("expected a lost and a retransmitted REGISTER");
    expect(parseVia(header(retransmitted, "Via"))?.params.branch).toBe(parseVia(getHeader(lost, "Via") ?? "")?.params.branch);
    expect(header(retransmitted, "CSeq")).toBe(getHeader(lost, "CSeq"));
    expect(device.registered).toBe(true);
  });

  it("stop() during start() abandons the pending REGISTER at once", async () => {
    const { device } = await setup({}, { dropFirst: 100 });
    const starting = device.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stoppedAt = Date.now();
    await device.stop();
    expect(Date.now() - stoppedAt).toBeLessThan(500);
    await expect(starting).rejects.toMatchObject({ status: 503 });
    expect(device.registered).toBe(false);
  });

  it("re-REGISTERs before the granted expiry on the same Call-ID", async () => {
    const { platform, device } = await setup({}, { grantExpires: 2 });
    const refreshed = new Promise<number>((resolve) => {
      let count = 0;
      device.on("registered", (expires) => {
        if (++count === 2) resolve(expires);
      });
    });
    const startedAt = Date.now();
    await device.start();
    expect(await refreshed).toBe(2);
    expect(Date.now() - startedAt).toBeLessThan(2000);
    const registers = platform.requests("REGISTER");
    expect(registers.length).toBeGreaterThanOrEqual(3);
    expect(new Set(registers.map((entry) => header(entry, "Call-ID"))).size).toBe(1);
    const seqs = registers.map((entry) => parseCSeq(header(entry, "CSeq"))?.seq ?? 0);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it("stop() unregisters with Expires: 0 and is idempotent", async () => {
    const { platform, device } = await setup();
    await device.start();
    const unregistered = once(device, "unregistered");
    await Promise.all([device.stop(), device.stop()]);
    await unregistered;
    await device.stop();
    const registers = platform.requests("REGISTER");
    const last = registers.at(-1);
    expect(last && header(last, "Expires")).toBe("0");
    expect(last?.auth).toEqual({ ok: true });
    expect(registers.filter((entry) => header(entry, "Expires") === "0")).toHaveLength(1);
    expect(device.registered).toBe(false);
  });
});

describe("VirtualDevice keepalive (§9.6.1)", () => {
  it("sends a Keepalive Notify every interval as Application/MANSCDP+xml", async () => {
    const { platform, device } = await setup({ keepaliveInterval: 0.15 });
    await device.start();
    const startedAt = Date.now();
    const keepalives = await platform.waitFor("MESSAGE", 3, "Keepalive");
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(3 * 150 - 20);
    for (const entry of keepalives) {
      expect(header(entry, "Content-Type")).toBe("Application/MANSCDP+xml");
      expect(entry.manscdp).toMatchObject({ ok: true, kind: "Notify", cmdType: "Keepalive", deviceId: DEVICE_ID, status: "OK" });
    }
    const sns = keepalives.map((entry) => (entry.manscdp?.ok ? entry.manscdp.sn : -1));
    expect(new Set(sns).size).toBe(3);
  });

  it("registers again after 3 keepalives in a row go unanswered", async () => {
    const { platform, device } = await setup({ keepaliveInterval: 0.05 }, { messageStatus: 404 });
    const failures: number[] = [];
    device.on("keepalive", (status) => failures.push(status));
    await device.start();
    const registers = await platform.waitFor("REGISTER", 3);
    expect(failures.slice(0, 3)).toEqual([404, 404, 404]);
    expect(header(registers[2]!, "Expires")).toBe("3600");
    expect(registers[2]?.auth).toEqual({ ok: true });
  });

  it("keeps running when a keepalive listener throws", async () => {
    const { platform, device } = await setup({ keepaliveInterval: 0.05 });
    device.on("keepalive", () => {
      throw new Error("listener bug");
    });
    const warning = once(device, "warning");
    await device.start();
    expect((await warning)[0]).toContain("listener bug");
    await platform.waitFor("MESSAGE", 2, "Keepalive");
  });

  it("sends none with keepaliveInterval false", async () => {
    const { platform, device } = await setup({ keepaliveInterval: false });
    await device.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(platform.requests("MESSAGE")).toHaveLength(0);
  });
});

describe("VirtualDevice queries (§9.5)", () => {
  it("answers a 45-channel catalog in 3 GB2312 MESSAGEs of at most 20 items, each with SumNum 45", async () => {
    const { platform, device } = await setup({ deviceId: NVR_ID, channels: 45, catalogPage: 20 });
    await device.start();
    const response = await platform.sendToDevice("MESSAGE", NVR_ID, buildCatalogQuery({ sn: 77, deviceId: NVR_ID }));
    expect(response.status).toBe(200);

    const parts = await platform.waitFor("MESSAGE", 3, "Catalog");
    const items: CatalogItem[] = [];
    for (const part of parts) {
      const body = part.request.body;
      expect(body.subarray(0, 60).toString("latin1")).toContain('encoding="GB2312"');
      expect(decodeXmlBody(body).charset).toBe("GB2312");
      if (!part.manscdp?.ok || part.manscdp.cmdType !== "Catalog" || part.manscdp.kind !== "Response") throw new Error("not a catalog response");
      expect(part.manscdp.sn).toBe(77);
      expect(part.manscdp.sumNum).toBe(45);
      items.push(...part.manscdp.items);
    }
    expect(parts.map((part) => (part.manscdp?.ok && "items" in part.manscdp ? part.manscdp.items.length : 0))).toEqual([20, 20, 5]);
    expect(new Set(items.map((item) => item.deviceId)).size).toBe(45);
    expect(items.map((item) => item.name)).toEqual(Array.from({ length: 45 }, (_, i) => `通道${i + 1}`));
    for (const item of items) expect(item.deviceId).toMatch(/^3402000000131\d{7}$/);
    // The raw bytes carry the GB2312 encoding of the name, not UTF-8.
    const first = parts[0]?.request.body ?? Buffer.alloc(0);
    expect(first.includes(encodeGb("<Name>通道1</Name>", { fourByte: false }))).toBe(true);
    expect(first.includes(Buffer.from("通道", "utf8"))).toBe(false);
  });

  it("answers DeviceInfo with its name, manufacturer, model, firmware and channel count", async () => {
    const { platform, device } = await setup({
      channels: 1,
      name: "前门摄像头",
      manufacturer: "Hik",
      model: "DS-2CD",
      firmware: "V5.7",
      charset: "UTF-8",
    });
    await device.start();
    await platform.sendToDevice("MESSAGE", DEVICE_ID, buildDeviceInfoQuery({ sn: 5, deviceId: DEVICE_ID }));
    const [answer] = await platform.waitFor("MESSAGE", 1, "DeviceInfo");
    expect(answer?.request.body.toString("utf8")).toContain('encoding="UTF-8"');
    expect(answer?.manscdp).toMatchObject({
      ok: true,
      kind: "Response",
      sn: 5,
      deviceId: DEVICE_ID,
      charset: "UTF-8",
      deviceName: "前门摄像头",
      manufacturer: "Hik",
      model: "DS-2CD",
      firmware: "V5.7",
      channel: 1,
      result: "OK",
    });
  });

  it("answers DeviceStatus as online, encoding, not recording, with its clock", async () => {
    const { platform, device } = await setup();
    await device.start();
    await platform.sendToDevice("MESSAGE", DEVICE_ID, buildDeviceStatusQuery({ sn: 9, deviceId: DEVICE_ID }));
    const [answer] = await platform.waitFor("MESSAGE", 1, "DeviceStatus");
    expect(answer?.manscdp).toMatchObject({ ok: true, kind: "Response", sn: 9, online: true, status: "OK", encode: "ON", record: "OFF" });
    const status = answer?.manscdp;
    const deviceTime = status?.ok && status.cmdType === "DeviceStatus" && status.kind === "Response" ? status.deviceTime : undefined;
    expect(deviceTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  });

  it("acknowledges an unsupported query with 200 and sends nothing back", async () => {
    const { platform, device } = await setup();
    await device.start();
    const query = Buffer.from(
      `<?xml version="1.0" encoding="GB2312"?>\r\n<Query>\r\n<CmdType>ConfigDownload</CmdType>\r\n<SN>3</SN>\r\n<DeviceID>${DEVICE_ID}</DeviceID>\r\n<ConfigType>BasicParam</ConfigType>\r\n</Query>\r\n`,
    );
    const response = await platform.sendToDevice("MESSAGE", DEVICE_ID, query);
    expect(response.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(platform.requests("MESSAGE")).toHaveLength(0);
    expect(device.journal.at(-1)?.manscdp).toMatchObject({ ok: false, header: { cmdType: "ConfigDownload" } });
  });

  it("answers a malformed body with 400 and keeps working", async () => {
    const { platform, device } = await setup();
    await device.start();
    const warning = once(device, "warning");
    const garbage = await platform.sendToDevice("MESSAGE", DEVICE_ID, Buffer.from("<Query><CmdType>Catalog</Query"));
    expect(garbage.status).toBe(400);
    await warning;
    await platform.sendToDevice("MESSAGE", DEVICE_ID, buildDeviceStatusQuery({ sn: 10, deviceId: DEVICE_ID }));
    await platform.waitFor("MESSAGE", 1, "DeviceStatus");
  });

  it("survives garbage datagrams from the server", async () => {
    const { platform, device } = await setup();
    await device.start();
    const target = platform.deviceAddress();
    for (const junk of ["\u0000\u0001\u0002", "SIP/2.0 200\r\n\r\n", "MESSAGE sip:x SIP/2.0\r\nContent-Length: 99999\r\n\r\n<Query>"]) {
      await platform.transport.send(Buffer.from(junk, "latin1"), target);
    }
    await platform.sendToDevice("MESSAGE", DEVICE_ID, buildDeviceStatusQuery({ sn: 11, deviceId: DEVICE_ID }));
    await platform.waitFor("MESSAGE", 1, "DeviceStatus");
  });

  it("journals each request with its parsed MANSCDP body", async () => {
    const { platform, device } = await setup();
    await device.start();
    const received = once(device, "messageReceived");
    await platform.sendToDevice("MESSAGE", DEVICE_ID, buildCatalogQuery({ sn: 12, deviceId: DEVICE_ID }));
    await received;
    expect(device.journal.map((entry) => entry.method)).toEqual(["MESSAGE"]);
    expect(device.journal[0]?.manscdp).toMatchObject({ ok: true, kind: "Query", cmdType: "Catalog", sn: 12 });
  });
});

describe("VirtualDevice over TCP", () => {
  it("registers, answers a catalog and sends keepalives over one connection", async () => {
    const { platform, device } = await setup({ transport: "tcp", keepaliveInterval: 0.1, deviceId: NVR_ID, channels: 3 });
    await device.start();
    await platform.sendToDevice("MESSAGE", NVR_ID, buildCatalogQuery({ sn: 1, deviceId: NVR_ID }));
    await platform.waitFor("MESSAGE", 1, "Catalog");
    await platform.waitFor("MESSAGE", 2, "Keepalive");
    expect(platform.transport.connectionCount).toBe(1);
    await device.stop();
    const last = platform.requests("REGISTER").at(-1);
    expect(last && header(last, "Expires")).toBe("0");
    // Everything, the un-REGISTER included, came from one source port: one connection.
    const sources = new Set(platform.received.map((entry) => `${entry.remote.protocol}:${entry.remote.address}:${entry.remote.port}`));
    expect([...sources]).toHaveLength(1);
    expect([...sources][0]).toMatch(/^tcp:/);
    for (const entry of platform.received) expect(parseVia(header(entry, "Via"))?.transport).toBe("TCP");
  });
});

describe("VirtualDevice answering right after REGISTER", () => {
  it("answers a query that arrives in the same TCP read as the REGISTER's 200 OK", async () => {
    const { platform, device } = await setup({ transport: "tcp", deviceId: NVR_ID, channels: 2 }, { catalogQueryWithOk: true });
    await device.start();
    const [answer] = await platform.waitFor("MESSAGE", 1, "Catalog");
    expect(answer?.manscdp).toMatchObject({ ok: true, kind: "Response", cmdType: "Catalog", sn: 99 });
  });
});

describe("VirtualDevice subscriptions and media", () => {
  it("accepts a catalog SUBSCRIBE and reports a channel going offline in a NOTIFY inside that dialog", async () => {
    const { platform, device } = await setup({ deviceId: NVR_ID, channels: 4 });
    await device.start();
    const subscribe = await platform.sendToDevice("SUBSCRIBE", NVR_ID, buildCatalogQuery({ sn: 2, deviceId: NVR_ID }), [
      ["Event", "Catalog;id=7"],
      ["Expires", "600"],
    ]);
    expect(subscribe.status).toBe(200);
    const channel = device.channels[2];
    if (!channel) throw new Error("no channel");
    expect(await device.notifyChannelChange(channel.id, "OFF")).toBe(200);

    const [notify] = await platform.waitFor("NOTIFY", 1);
    expect(header(notify!, "Event")).toBe("Catalog;id=7");
    expect(header(notify!, "Call-ID")).toBe(getHeader(subscribe, "Call-ID"));
    expect(parseNameAddr(header(notify!, "From"))?.params.tag).toBe(parseNameAddr(getHeader(subscribe, "To") ?? "")?.params.tag);
    expect(notify?.manscdp).toMatchObject({ ok: true, kind: "Notify", cmdType: "Catalog", sumNum: 1, items: [{ deviceId: channel.id, event: "OFF", status: "OFF" }] });
    expect(device.channels[2]?.status).toBe("OFF");
  });

  it("sends catalog changes as a MESSAGE when nothing subscribed", async () => {
    const { platform, device } = await setup({ deviceId: NVR_ID, channels: 2 });
    await device.start();
    const added = "34020000001310099999";
    await device.notifyChannelChange(added, "ADD", "新通道");
    const [message] = await platform.waitFor("MESSAGE", 1, "Catalog");
    expect(message?.manscdp).toMatchObject({ ok: true, kind: "Notify", items: [{ deviceId: added, event: "ADD", name: "新通道" }] });
    expect(device.channels).toHaveLength(3);
  });

  it("refuses an INVITE with 488 by default", async () => {
    const { platform, device } = await setup();
    await device.start();
    const channelId = device.channels[0]?.id ?? "";
    const response = await platform.sendToDevice("INVITE", channelId, Buffer.from("v=0\r\n"));
    expect(response.status).toBe(488);
  });

  it("tells the media responder about ACK and BYE in an accepted dialog, and answers an unknown BYE with 481", async () => {
    const events: string[] = [];
    const { platform, device } = await setup({
      mediaResponder: {
        answerInvite: (offer) => {
          events.push(`invite ${offer.channelId} y=${offer.sdp?.ok ? offer.sdp.ssrc : "?"}`);
          return { status: 200, body: Buffer.from("v=0\r\n"), contentType: "application/sdp" };
        },
        onAck: () => events.push("ack"),
        onBye: () => events.push("bye"),
      },
    });
    await device.start();
    const channelId = device.channels[0]?.id ?? "";
    const offer = buildInviteSdp({ kind: "Play", channelId, mediaIp: "127.0.0.1", mediaPort: 30000, transport: "udp", ssrc: "0100000001" });
    const invite = platform.requestToDevice("INVITE", channelId, Buffer.from(offer));
    const ok = await platform.send(invite, platform.deviceAddress());
    const dialog = createDialogAsUac(invite, ok);
    if (!dialog) throw new Error("no dialog from the 200");
    await platform.transport.send(createAck(invite, ok), platform.deviceAddress());
    const via = { protocol: "SIP/2.0", transport: "UDP", host: "127.0.0.1", port: platform.port, params: { branch: generateBranch() } };
    const bye = createInDialogRequest(dialog, "BYE", { via }).request;
    expect((await platform.send(bye, platform.deviceAddress())).status).toBe(200);
    expect(events).toEqual([`invite ${channelId} y=0100000001`, "ack", "bye"]);
    const again = createInDialogRequest(dialog, "BYE", { via: { ...via, params: { branch: generateBranch() } } }).request;
    expect((await platform.send(again, platform.deviceAddress())).status).toBe(481);
  });

  it("hands INVITEs to a media responder and ends its accepted dialogs on stop()", async () => {
    const offers: string[] = [];
    const byes: string[] = [];
    const { platform, device } = await setup({
      mediaResponder: {
        answerInvite: (offer) => {
          offers.push(offer.channelId);
          return { status: 200, body: Buffer.from("v=0\r\n"), contentType: "application/sdp" };
        },
        onBye: (key) => byes.push(key),
      },
    });
    await device.start();
    const channelId = device.channels[0]?.id ?? "";
    const ok = await platform.sendToDevice("INVITE", channelId, Buffer.from("v=0\r\n"));
    expect(ok.status).toBe(200);
    expect(offers).toEqual([channelId]);
    expect(getHeader(ok, "Contact")).toContain(`sip:${DEVICE_ID}@127.0.0.1:`);
    await device.stop();
    expect(byes).toHaveLength(1);
  });
});
