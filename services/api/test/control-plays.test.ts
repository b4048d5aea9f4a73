import type { PlayRecord } from "@ivc/bus";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDeviceEventHandlers } from "../src/bus/device-events.js";
import type { DeviceEventHandlers } from "../src/bus/device-events.js";
import { ErrorCodes } from "../src/errors/codes.js";
import { refuse, succeed } from "../src/errors/outcome.js";
import { addGbChannel } from "./support/gb-channels.js";
import { createHarness, testNode } from "./support/harness.js";
import type { Harness } from "./support/harness.js";
import { createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";

// POST /ivc/cms/control/plays: the relay's diagnostics timeline through the signed API (web console).

let testDb: TestDatabase;
let h: Harness;
let events: DeviceEventHandlers;

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database);
  events = createDeviceEventHandlers(testDb.database.db);
});
afterAll(async () => {
  await h?.app.close();
  await testDb?.drop();
});
beforeEach(() => h.channelControl.reset());

const plays = (body: Record<string, unknown>, key = h.alice) => h.call<unknown[]>(key, "POST", "/ivc/cms/control/plays", body);

const failedPlay: PlayRecord = {
  streamId: "x_y",
  channelId: "x_y",
  kind: "live",
  transport: "udp",
  ssrc: "0100000001",
  stages: [
    { stage: "request", at: 1000 },
    { stage: "invite-sent", at: 1010, detail: "port 30000" },
  ],
  outcome: "invite failed: sip 486",
};

describe("control/plays", () => {
  it("asks the channel's node for the plays of <device>_<channel> and answers them in the API's casing", async () => {
    const ch = await addGbChannel(h, events);
    h.channelControl.playsAnswer = succeed([failedPlay]);
    const res = await plays({ ChannelId: ch.channelId });
    expect(res.env.StatusCode, JSON.stringify(res.env)).toBe(200);
    expect(h.channelControl.calls).toEqual([{ op: "plays", target: { clusterId: testNode.id, deviceCode: ch.deviceCode, channelCode: ch.channelCode } }]);
    expect(res.env.Data).toEqual([
      {
        StreamId: "x_y",
        Kind: "live",
        Transport: "udp",
        Ssrc: "0100000001",
        Outcome: "invite failed: sip 486",
        Stages: [
          { Stage: "request", At: 1000 },
          { Stage: "invite-sent", At: 1010, Detail: "port 30000" },
        ],
      },
    ]);
  });

  it("answers for an offline device too (that is when a person looks)", async () => {
    const ch = await addGbChannel(h, events, { deviceOnline: false });
    expect((await plays({ ChannelId: ch.channelId })).env.StatusCode).toBe(200);
  });

  it("refuses another account's channel, a malformed id, and passes a relay failure on with its code", async () => {
    const ch = await addGbChannel(h, events);
    expect((await plays({ ChannelId: ch.channelId }, h.bob)).env.StatusCode).toBe(ErrorCodes.ChannelNotFound.statusCode);
    expect((await plays({ ChannelId: "nope" })).env.StatusCode).toBe(ErrorCodes.InvalidChannelId.statusCode);
    h.channelControl.playsAnswer = refuse(ErrorCodes.SignalingTimeout, "relay silent");
    expect((await plays({ ChannelId: ch.channelId })).env.StatusCode).toBe(ErrorCodes.SignalingTimeout.statusCode);
  });
});
