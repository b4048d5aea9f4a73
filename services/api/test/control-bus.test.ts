import { randomUUID } from "node:crypto";
import { Bus, BusError, BusHandlerError, connectNats, mediaPause, playbackControl, presetControl, presetQuery, ptzControl, recordQuery } from "@ivc/bus";
import { createLogger } from "@ivc/runtime";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { channelControlFailure } from "../src/bus/channel-control.js";
import { createDeviceEventHandlers } from "../src/bus/device-events.js";
import type { DeviceEventHandlers } from "../src/bus/device-events.js";
import { createNatsChannelControl } from "../src/bus/nats-channel-control.js";
import { ensureServiceNode } from "../src/store/service-nodes.js";
import { addGbChannel } from "./support/gb-channels.js";
import type { GbChannel } from "./support/gb-channels.js";
import { createHarness, testNode } from "./support/harness.js";
import type { Harness } from "./support/harness.js";
import { startPrivateNats } from "../../../test/support/private-nats.js";
import type { PrivateNats } from "../../../test/support/private-nats.js";
import { createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";

// Route → NATS → a stand-in sip-server on the device's node, over a nats-server of this file's own,
// so the subjects, payloads and BusHandlerError codes of packages/bus contracts/control.ts are the real ones.

let testDb: TestDatabase;
let h: Harness;
let events: DeviceEventHandlers;
let nats: PrivateNats;
let nc: Awaited<ReturnType<typeof connectNats>>;
let bus: Bus;
let c: GbChannel;
const received: Array<{ subject: string; request: unknown }> = [];
/** What the stand-in sip-server throws next; undefined answers normally. */
let failWith: string | undefined;
/** The same for the stand-in media-relay's media.pause. */
let relayFailWith: string | undefined;

function answer<T>(subject: string, request: unknown, reply: T): T {
  received.push({ subject, request });
  if (failWith !== undefined) throw new BusHandlerError(failWith, `scripted ${failWith}`);
  return reply;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database);
  events = createDeviceEventHandlers(testDb.database.db);
  const logger = createLogger("api-test", "silent");
  nats = await startPrivateNats(logger);
  nc = await connectNats({ url: nats.url, name: "api-control-test", logger });
  bus = new Bus(nc, logger);
  h.channelControl.forwardTo = createNatsChannelControl(bus);
  const node = { clusterId: testNode.id };
  bus.reply(ptzControl, node, (r, meta) => answer(meta.subject, r, { result: "OK" as const }));
  bus.reply(presetControl, node, (r, meta) => answer(meta.subject, r, { result: "OK" as const }));
  bus.reply(presetQuery, node, (r, meta) => answer(meta.subject, r, { presets: [{ index: 2, name: "gate" }, { index: 1, name: "" }], partial: false }));
  bus.reply(recordQuery, node, (r, meta) =>
    answer(meta.subject, r, {
      sumNum: 3,
      partial: false,
      items: [
        { start: 1656604800, end: 1656608400 },
        { start: 1656608400, end: 1656612000 },
        { start: 1656615600, end: 1656619200 },
      ],
    }),
  );
  bus.reply(playbackControl, node, (r, meta) => answer(meta.subject, r, { result: "OK" as const }));
  bus.reply(mediaPause, node, (r, meta) => {
    received.push({ subject: meta.subject, request: r });
    if (relayFailWith !== undefined) throw new BusHandlerError(relayFailWith, `scripted ${relayFailWith}`);
    return { paused: r.paused };
  });
  await nc.flush();
  c = await addGbChannel(h, events);
});
afterAll(async () => {
  await nc?.drain();
  await nats?.stop();
  await h?.app.close();
  await testDb?.drop();
});
beforeEach(() => {
  received.length = 0;
  failWith = undefined;
  relayFailWith = undefined;
});

const post = (path: string, body: Record<string, unknown>) => h.call(h.alice, "POST", path, body);

describe("control routes over NATS", () => {
  it("ptz reaches the node's sip.ptz with the device, the channel, the Type and the default speed", async () => {
    expect((await post("/ivc/cms/control/ptz", { ChannelId: c.channelId, Type: "irisin", Speed: 12 })).env).toMatchObject({ Code: 0, Data: null });
    expect(received).toEqual([
      { subject: ptzControl.subject({ clusterId: testNode.id }), request: { deviceId: c.deviceCode, channelId: c.channelCode, action: "irisin", speed: 4 } },
    ]);
  });

  it.each([
    ["sip_timeout", 41637],
    ["device_offline", 41617],
    ["device_refused", 51602],
    ["ptz_unsupported", 40003],
    ["internal", 51602],
  ])("maps the sip-server's %s to %s", async (code, statusCode) => {
    failWith = code;
    const { env } = await post("/ivc/cms/control/ptz", { ChannelId: c.channelId, Type: "up" });
    expect(env).toMatchObject({ Code: 500, StatusCode: statusCode });
    expect(env.Data).toContain(code);
  });

  it("preset/mange and preset/get carry the command and index, and answer the device's presets", async () => {
    expect((await post("/ivc/cms/control/preset/mange", { ChannelId: c.channelId, Cmd: "set", Index: 7 })).env.StatusCode).toBe(200);
    expect((await post("/ivc/cms/control/preset/get", { ChannelId: c.channelId })).env.Data).toEqual([
      { Index: 1, Name: "1" },
      { Index: 2, Name: "gate" },
    ]);
    expect(received.map((r) => r.request)).toEqual([
      { deviceId: c.deviceCode, channelId: c.channelCode, command: "set", index: 7 },
      { deviceId: c.deviceCode, channelId: c.channelCode },
    ]);
  });

  it("timeline queries the range and merges the device's touching files", async () => {
    const { env } = await post("/ivc/cms/control/timeline", { ChannelId: c.channelId, Start: 1656604800, End: 1656633600 });
    expect(env.Data).toEqual([
      { Begin: 1656604800, End: 1656612000 },
      { Begin: 1656615600, End: 1656619200 },
    ]);
    expect(received.map((r) => r.request)).toEqual([{ deviceId: c.deviceCode, channelId: c.channelCode, start: 1656604800, end: 1656633600 }]);
  });

  it("recordctl drives the playback of the URL's session and maps stream_not_found to 41605", async () => {
    const { Flv } = (await post("/ivc/cms/control/record", { ChannelId: c.channelId, Start: 1656604800, End: 1656608400 })).env.Data as { Flv: string };
    const streamId = new URL(Flv).pathname.slice("/live/".length, -".live.flv".length);
    const session = streamId.split("@")[1];
    expect(received).toEqual([]);
    expect((await post("/ivc/cms/control/recordctl", { ChannelId: c.channelId, Session: session, Action: "play", Scale: 0.5 })).env.StatusCode).toBe(200);
    expect(received).toEqual([
      { subject: playbackControl.subject({ clusterId: testNode.id }), request: { streamId, action: "play", scale: 0.5 } },
      { subject: mediaPause.subject({ clusterId: testNode.id }), request: { streamId, paused: false } },
    ]);
    failWith = "stream_not_found";
    expect((await post("/ivc/cms/control/recordctl", { ChannelId: c.channelId, Session: session, Action: "stop" })).env.StatusCode).toBe(41605);
  });

  describe("pause and play tell the node's media-relay", () => {
    const SESSION = "c451066b-bc6d-46ba-86cd-53fc3c7c1d7c";
    const pauseSubject = mediaPause.subject({ clusterId: testNode.id });
    const controlSubject = playbackControl.subject({ clusterId: testNode.id });
    const ctl = (Action: string) => post("/ivc/cms/control/recordctl", { ChannelId: c.channelId, Session: SESSION, Action });

    it("pauses the relay's stream before the device, and resumes it after the device plays", async () => {
      const streamId = `${c.channelCode}@${SESSION}`;
      expect((await ctl("pause")).env.StatusCode).toBe(200);
      expect((await ctl("play")).env.StatusCode).toBe(200);
      expect((await ctl("stop")).env.StatusCode).toBe(200);
      expect(received).toEqual([
        { subject: pauseSubject, request: { streamId, paused: true } },
        { subject: controlSubject, request: { streamId, action: "pause" } },
        { subject: controlSubject, request: { streamId, action: "play" } },
        { subject: pauseSubject, request: { streamId, paused: false } },
        { subject: controlSubject, request: { streamId, action: "teardown" } },
      ]);
    });

    it("refuses a session the relay does not hold with 41605 without asking the device", async () => {
      relayFailWith = "unknown_stream";
      expect((await ctl("pause")).env.StatusCode).toBe(41605);
      expect(received.map((r) => r.subject)).toEqual([pauseSubject]);
    });

    it("un-pauses the relay when the device refuses the PAUSE", async () => {
      failWith = "device_refused";
      expect((await ctl("pause")).env.StatusCode).toBe(51602);
      expect(received.map((r) => [r.subject, (r.request as { paused?: boolean }).paused])).toEqual([
        [pauseSubject, true],
        [controlSubject, undefined],
        [pauseSubject, false],
      ]);
    });
  });

  it("answers 51602 when no sip-server serves the device's node", async () => {
    const node = { ...testNode, id: randomUUID(), sipDomain: "3301000000" };
    await ensureServiceNode(testDb.database.db, node);
    const elsewhere = await addGbChannel(h, events, { clusterId: node.id });
    const { env } = await post("/ivc/cms/control/ptz", { ChannelId: elsewhere.channelId, Type: "up" });
    expect(env).toMatchObject({ Code: 500, StatusCode: 51602 });
    expect(received).toEqual([]);
  });
});

describe("channelControlFailure", () => {
  it("maps a bus timeout to 41637 and unknown or prototype-named codes to 51602", () => {
    expect(channelControlFailure(new BusError("timeout", "s", "late")).error.statusCode).toBe(41637);
    expect(channelControlFailure(new BusError("remote", "s", "x", "constructor")).error.statusCode).toBe(51602);
    expect(channelControlFailure(new BusError("connection", "s", "closed")).error.statusCode).toBe(51602);
    expect(channelControlFailure(new BusError("remote", "s", "gone", "stream_not_found")).error.statusCode).toBe(41605);
  });
});
