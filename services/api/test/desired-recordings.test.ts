import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeviceEventHandlers } from "../src/bus/device-events.js";
import type { DeviceEventHandlers } from "../src/bus/device-events.js";
import { forRelayRecorder, listDesiredRecordings } from "../src/recordings/desired-recordings.js";
import { ensureServiceNode } from "../src/store/service-nodes.js";
import { addGatewayChannel } from "./support/gateway-channels.js";
import { addGbChannel } from "./support/gb-channels.js";
import type { GbChannel } from "./support/gb-channels.js";
import { createHarness, testNode } from "./support/harness.js";
import type { Harness } from "./support/harness.js";
import { createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";
import { addTemplate, PLAN_PATHS as P } from "./support/record-plans.js";

let testDb: TestDatabase;
let h: Harness;
let events: DeviceEventHandlers;
const otherNode = { ...testNode, id: "7d0c5a43-3f0e-4b55-9a51-6c0b1d0e2f11", name: "二号节点" };

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database);
  events = createDeviceEventHandlers(testDb.database.db);
  await ensureServiceNode(testDb.database.db, otherNode);
});
afterAll(async () => {
  await h?.app.close();
  await testDb?.drop();
});

/** Monday 2026-12-07 at UTC+8 (the default site zone). */
const at = (time: string, day = 7) => new Date(`2026-12-${String(day).padStart(2, "0")}T${time}+08:00`);
const ref = (c: GbChannel) => ({ DeviceId: c.deviceId, ChannelId: c.channelId });

async function plan(fields: Record<string, unknown>): Promise<string> {
  const { env } = await h.call<{ PlanId: string }>(h.alice, "POST", P.add, { PlanName: `p${Math.random().toString(36).slice(2, 8)}`, ...fields });
  if (env.StatusCode !== 200) throw new Error(`plan add: ${env.StatusCode} ${JSON.stringify(env.Data)}`);
  return env.Data.PlanId;
}

describe("listDesiredRecordings over stored plans", () => {
  it("lists the channels of enabled plans whose template is active, with stream id, node and lifecycle", async () => {
    const db = testDb.database.db;
    const mornings = await addTemplate(h, h.alice, "mornings", [{ DayOfWeek: 1, StartTime: "08:00:00", EndTime: "12:00:00" }]);
    const sundays = await addTemplate(h, h.alice, "sundays", [{ DayOfWeek: 7, StartTime: "00:00:00", EndTime: "23:59:59" }]);
    const org = (await h.call<{ Id: string }>(h.alice, "POST", "/ivc/cms/organization/add", { Name: "desired", ParentId: "0" })).env.Data.Id;

    const explicit = await addGbChannel(h, events);
    const byOrganization = await addGbChannel(h, events, { deviceOnline: false });
    await h.call(h.alice, "PUT", "/ivc/cms/device/updateorg", { Ids: [byOrganization.deviceId], OrganizationId: org });
    const disabled = await addGbChannel(h, events);
    const remote = await addGbChannel(h, events, { clusterId: otherNode.id });
    const gateway = await addGatewayChannel(h, db);
    const sunday = await addGbChannel(h, events);

    const morningPlan = await plan({
      TemplateId: mornings.TemplateId,
      StreamType: "sub",
      LifeCycle: { Transition: 7, Expiration: 90 },
      Channels: [ref(explicit), ref(disabled), ref(remote), { DeviceId: gateway.deviceId, ChannelId: gateway.channelId }],
      OrganizationId: [org],
    });
    await plan({ TemplateId: sundays.TemplateId, LifeCycle: { Transition: 1, Expiration: 0 }, Channels: [ref(sunday)] });
    await h.call(h.alice, "PUT", "/ivc/cms/device/updatestatus", { Id: disabled.deviceId, Status: 3 });

    const common = { planId: morningPlan, streamType: "sub", transitionDays: 7, expirationDays: 90, until: at("12:00:00") };
    const local = await listDesiredRecordings(db, testNode.id, at("09:30:00"));
    const byChannel = (channelId: string) => local.find((d) => d.channelId === channelId);
    expect(local.map((d) => d.channelId).sort()).toEqual([explicit.channelId, byOrganization.channelId, gateway.channelId].sort());
    expect(byChannel(explicit.channelId)).toEqual({
      ...common,
      deviceId: explicit.deviceId,
      channelId: explicit.channelId,
      deviceCode: explicit.deviceCode,
      channelCode: explicit.channelCode,
      streamId: `${explicit.deviceCode}_${explicit.channelCode}`,
      clusterId: testNode.id,
    });
    // Offline devices stay desired (the recorder retries); gateway channels use their own stream id.
    expect(byChannel(byOrganization.channelId)).toMatchObject({ ...common, streamId: `${byOrganization.deviceCode}_${byOrganization.channelCode}` });
    expect(byChannel(gateway.channelId)).toMatchObject({ ...common, streamId: gateway.channelCode });
    // What the relay's recorder is told: GB channels by their codes; the gateway channel is not sent.
    expect(local.flatMap(forRelayRecorder).map((r) => r.channelId).sort()).toEqual([explicit.channelCode, byOrganization.channelCode].sort());
    expect(forRelayRecorder(byChannel(explicit.channelId)!)).toEqual([
      { deviceId: explicit.deviceCode, channelId: explicit.channelCode, streamId: `${explicit.deviceCode}_${explicit.channelCode}`, planId: expect.any(String), transitionDays: expect.any(Number), expirationDays: expect.any(Number) },
    ]);

    const everywhere = await listDesiredRecordings(db, undefined, at("09:30:00"));
    expect(everywhere.find((d) => d.channelId === remote.channelId)).toMatchObject({ ...common, clusterId: otherNode.id });
    expect(everywhere.some((d) => d.channelId === disabled.channelId)).toBe(false);
    expect((await listDesiredRecordings(db, otherNode.id, at("09:30:00"))).map((d) => d.channelId)).toEqual([remote.channelId]);

    // Outside the section nothing of the morning plan; Sunday's whole-day section runs to Monday 00:00.
    expect(await listDesiredRecordings(db, testNode.id, at("12:00:00"))).toEqual([]);
    const late = await listDesiredRecordings(db, testNode.id, at("23:59:59", 13));
    expect(late).toEqual([expect.objectContaining({ channelId: sunday.channelId, transitionDays: 1, expirationDays: 0, until: at("00:00:00", 14) })]);
    // The zone decides: 09:30 at UTC+8 is 01:30 UTC, before the section in a UTC site.
    expect(await listDesiredRecordings(db, testNode.id, at("09:30:00"), 0)).toEqual([]);

    // A template or plan changed while recording is what the next poll sees.
    await h.call(h.alice, "POST", "/ivc/record/template/modify", { TemplateId: mornings.TemplateId, Mod: { TimeSections: [{ DayOfWeek: 1, StartTime: "08:00:00", EndTime: "09:30:00" }] } });
    expect(await listDesiredRecordings(db, testNode.id, at("09:30:00"))).toEqual([]);
    expect((await listDesiredRecordings(db, testNode.id, at("09:00:00")))[0]?.until).toEqual(at("09:30:00"));
    await h.call(h.alice, "POST", P.modify, { PlanId: morningPlan, Mod: { StreamType: "main", LifeCycle: { Transition: 3, Expiration: 0 }, Del: [explicit.channelId] } });
    const changed = await listDesiredRecordings(db, testNode.id, at("09:00:00"));
    expect(changed.map((d) => d.channelId)).not.toContain(explicit.channelId);
    expect(changed[0]).toMatchObject({ streamType: "main", transitionDays: 3, expirationDays: 0 });
    await h.call(h.alice, "POST", "/ivc/record/template/modify", { TemplateId: mornings.TemplateId, Mod: { TimeSections: [{ DayOfWeek: 1, StartTime: "08:00:00", EndTime: "12:00:00" }] } });

    // A channel added to the organization later is desired too; a deleted plan's channels are not.
    const later = await addGbChannel(h, events);
    await h.call(h.alice, "PUT", "/ivc/cms/device/updateorg", { Ids: [later.deviceId], OrganizationId: org });
    expect((await listDesiredRecordings(db, testNode.id, at("09:30:00"))).map((d) => d.channelId)).toContain(later.channelId);
    await h.call(h.alice, "POST", P.delete, { PlanId: morningPlan });
    expect(await listDesiredRecordings(db, undefined, at("09:30:00"))).toEqual([]);
  });
});
