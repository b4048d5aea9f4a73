import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssuedKey } from "../src/accounts/keys.js";
import { createDeviceEventHandlers } from "../src/bus/device-events.js";
import type { DeviceEventHandlers } from "../src/bus/device-events.js";
import { eq } from "drizzle-orm";
import { aiResults, channels, devices } from "../src/db/schema.js";
import { indexSegment } from "../src/recordings/segment-index.js";
import { createHarness, testNode, TEST_SNAPSHOT_SECRET } from "./support/harness.js";
import type { Harness } from "./support/harness.js";
import { createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";
import { createSnapshotUrls } from "../src/ai/snapshot-urls.js";

// Spec 04 A1–A7 on a migrated database: every 437xx code, one task per channel, results paging and
// account isolation. Results are written as the bus handler writes them (ai-bus.test.ts covers that path).

let testDb: TestDatabase;
let h: Harness;
let events: DeviceEventHandlers;
let names = 0;
const unique = (prefix: string) => `${prefix}${++names}`;

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database, { aiModels: { onnx: { Smoking: "/models/smoking.onnx" } } });
  events = createDeviceEventHandlers(testDb.database.db);
});
afterAll(async () => {
  await h?.app.close();
  await testDb?.drop();
});

let deviceSerial = 0;
/** A GB device whose catalog reported `count` channels; their API ids. */
async function addChannels(count: number, key: IssuedKey = h.alice): Promise<string[]> {
  const body = { Name: unique("cam"), AccessProtocol: 2, Type: 2, Password: "12345678", OrganizationId: "0", ClusterId: testNode.id };
  const device = (await h.call<{ Id: string; Code: string }>(key, "POST", "/ivc/cms/device/add", body)).env.Data;
  deviceSerial++;
  const entries = Array.from({ length: count }, (_, i) => ({ channelId: `3402000000131${String(deviceSerial).padStart(3, "0")}${String(i).padStart(4, "0")}`, name: `ch${i}`, online: true }));
  await events.catalog({ clusterId: testNode.id, deviceId: device.Code, channels: entries });
  return (await h.call<Array<{ ChannelId: string }>>(key, "GET", `/ivc/cms/device/channel?DeviceId=${device.Id}`)).env.Data.map((c) => c.ChannelId);
}

async function call<T = unknown>(method: string, path: string, body?: unknown, key: IssuedKey = h.alice) {
  const { res, env } = await h.call<T>(key, method, path, body);
  return { http: res.statusCode, code: env.StatusCode, data: env.Data, env };
}

const WINDOWS = [
  { Start: "10:00:00", End: "11:00:00" },
  { Start: "13:00:00", End: "14:00:00" },
];
const aiTemplate = (DetectType: string, extra: Record<string, unknown> = {}) => ({ Tag: "AI", AIConfig: { DetectType, TimeInterval: 10, OperTimeslot: WINDOWS, ...extra } });

interface Task {
  TaskId: string;
  Name: string;
  Desc: string;
  Status: string;
  ChannelList?: string[];
  CallbackUrl: string;
  Templates?: unknown[];
  CreatedTime: string;
  UpdatedTime: string;
}

async function createTask(fields: Record<string, unknown>, key: IssuedKey = h.alice) {
  return call<Task>("POST", "/ivc/ai/task", { Name: unique("task"), Templates: [aiTemplate("Body")], ...fields }, key);
}

async function newTask(fields: Record<string, unknown> = {}, key: IssuedKey = h.alice): Promise<Task> {
  const created = await createTask({ ChannelList: await addChannels(1, key), ...fields }, key);
  if (created.code !== 200) throw new Error(`create: ${created.code} ${JSON.stringify(created.data)}`);
  return created.data;
}

describe("POST /ivc/ai/task (A1)", () => {
  it("creates a task as the document's example shows it, off unless IsStartTheTask", async () => {
    const channels = await addChannels(2);
    const body = { Name: "ai-task-test", Desc: "xxx", ChannelList: channels, CallbackUrl: "http://127.0.0.1:9/cb", IsStartTheTask: true, Templates: [aiTemplate("Car"), aiTemplate("Pet")] };
    const created = await call<Task>("POST", "/ivc/ai/task", body);
    expect(created.http).toBe(200);
    expect(created.code).toBe(200);
    expect(created.data).toMatchObject({ Name: "ai-task-test", Desc: "xxx", Status: "on", ChannelList: channels, CallbackUrl: "http://127.0.0.1:9/cb", Templates: body.Templates });
    expect(created.data.TaskId).toMatch(/^at[0-9a-f]{32}$/);
    expect(created.data.CreatedTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect((await newTask()).Status).toBe("off");
  });

  it.each([
    ["43701 name missing", { Name: undefined }, 43701],
    ["43701 name with a space", { Name: "a b" }, 43701],
    ["43701 name of 33 characters", { Name: "n".repeat(33) }, 43701],
    ["43702 description with illegal characters", { Desc: "a;b" }, 43702],
    ["43702 description of 129 characters", { Desc: "d".repeat(129) }, 43702],
    ["43703 ChannelList missing", { ChannelList: undefined }, 43703],
    ["43703 ChannelList empty", { ChannelList: [] }, 43703],
    ["43704 1000 channels", { ChannelList: Array.from({ length: 1000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`) }, 43704],
    ["43705 ChannelList with a malformed id", { ChannelList: ["channel;01"] }, 43705],
    ["43706 CallbackUrl not http", { CallbackUrl: "ftp://x/y" }, 43706],
    ["43706 CallbackUrl with a space", { CallbackUrl: "http://x/a b" }, 43706],
    ["43707 unknown DetectType", { Templates: [aiTemplate("Dog")] }, 43707],
    ["43707 DetectType without a model", { Templates: [aiTemplate("Facemask")] }, 43707],
    ["43708 TimeInterval 0", { Templates: [aiTemplate("Body", { TimeInterval: 0 })] }, 43708],
    ["43708 TimeInterval 21", { Templates: [aiTemplate("Body", { TimeInterval: 21 })] }, 43708],
    ["43709 six windows", { Templates: [aiTemplate("Body", { OperTimeslot: Array.from({ length: 6 }, (_, i) => ({ Start: `0${i}:00:00`, End: `0${i}:30:00` })) })] }, 43709],
    ["43710 Start after End", { Templates: [aiTemplate("Body", { OperTimeslot: [{ Start: "11:00:00", End: "10:00:00" }] })] }, 43710],
    ["43710 Start equal to End", { Templates: [aiTemplate("Body", { OperTimeslot: [{ Start: "11:00:00", End: "11:00:00" }] })] }, 43710],
    ["43711 malformed time", { Templates: [aiTemplate("Body", { OperTimeslot: [{ Start: "10: 00: 00", End: "11:00:00" }] })] }, 43711],
    ["43711 hour 24", { Templates: [aiTemplate("Body", { OperTimeslot: [{ Start: "10:00:00", End: "24:00:00" }] })] }, 43711],
    ["43712 duplicate window", { Templates: [aiTemplate("Body", { OperTimeslot: [WINDOWS[0], WINDOWS[0]] })] }, 43712],
    ["43713 unknown Tag", { Templates: [{ Tag: "Video", AIConfig: aiTemplate("Body").AIConfig }] }, 43713],
    ["43714 mixed Tags", { Templates: [aiTemplate("Body"), { Tag: "Snapshot", SnapshotConfig: { TimeInterval: 5 } }] }, 43714],
    ["40005 Tag AI with SnapshotConfig only", { Templates: [{ Tag: "AI", SnapshotConfig: { TimeInterval: 5 } }] }, 40005],
    ["40005 one DetectType twice", { Templates: [aiTemplate("Body"), aiTemplate("Body")] }, 40005],
  ])("refuses %s", async (_name, fields, code) => {
    const channels = await addChannels(1);
    const created = await createTask({ ChannelList: channels, ...fields });
    expect(created.http).toBe(200);
    expect(created.code).toBe(code);
    expect(created.env.Code).toBe(500);
  });

  it("names the missing model in 43707 and accepts a DetectType whose ONNX model is configured", async () => {
    const refused = await createTask({ ChannelList: await addChannels(1), Templates: [aiTemplate("Chefhat")] });
    expect(refused.code).toBe(43707);
    expect(refused.data).toContain("Chefhat has no model");
    expect(refused.data).toContain("AI_ONNX_MODELS");
    expect((await createTask({ ChannelList: await addChannels(1), Templates: [aiTemplate("Smoking")] })).code).toBe(200);
  });

  it("accepts a Snapshot template with and without windows", async () => {
    const created = await createTask({ ChannelList: await addChannels(1), Templates: [{ Tag: "Snapshot", SnapshotConfig: { TimeInterval: 20 } }] });
    expect(created.code).toBe(200);
    expect(created.data.Templates).toEqual([{ Tag: "Snapshot", SnapshotConfig: { TimeInterval: 20 } }]);
  });

  it("refuses a channel of another account or of no one (43715) and a channel already in a task (43716)", async () => {
    const bobs = await addChannels(1, h.bob);
    expect((await createTask({ ChannelList: bobs })).code).toBe(43715);
    expect((await createTask({ ChannelList: ["00000000-0000-4000-8000-000000000001"] })).code).toBe(43715);
    const task = await newTask();
    const again = await createTask({ ChannelList: task.ChannelList });
    expect(again.code).toBe(43716);
    expect(again.data).toContain(task.TaskId);
  });
});

describe("PUT /ivc/ai/task (A2)", () => {
  it("replaces the given fields of a task that is off", async () => {
    const task = await newTask();
    const channels = await addChannels(2);
    const updated = await call<Task>("PUT", `/ivc/ai/task?TaskId=${task.TaskId}`, { Name: "renamed", ChannelList: channels, Templates: [aiTemplate("Car")] });
    expect(updated.code).toBe(200);
    expect(updated.data).toMatchObject({ TaskId: task.TaskId, Name: "renamed", Desc: "", ChannelList: channels, Templates: [aiTemplate("Car")], Status: "off" });
    // The channel it gave up is free for another task.
    expect((await createTask({ ChannelList: task.ChannelList })).code).toBe(200);
  });

  it.each([
    ["43717 malformed TaskId", "TaskId=xyz", {}, 43717],
    ["43717 no TaskId", "", {}, 43717],
    ["43718 unknown TaskId", `TaskId=at${"0".repeat(32)}`, {}, 43718],
    ["43701 bad name", null, { Name: "" }, 43701],
    ["43703 empty ChannelList", null, { ChannelList: [] }, 43703],
    ["43706 bad CallbackUrl", null, { CallbackUrl: "javascript:alert(1)" }, 43706],
    ["43707 bad DetectType", null, { Templates: [aiTemplate("Facemask")] }, 43707],
    ["43714 mixed Tags", null, { Templates: [aiTemplate("Body"), { Tag: "Snapshot", SnapshotConfig: { TimeInterval: 5 } }] }, 43714],
  ])("refuses %s", async (_name, query, body, code) => {
    const task = await newTask();
    const updated = await call("PUT", `/ivc/ai/task?${query ?? `TaskId=${task.TaskId}`}`, body);
    expect(updated.code).toBe(code);
  });

  it("refuses a task that is on (43719) and another task's channel (43716)", async () => {
    const running = await newTask({ IsStartTheTask: true });
    expect((await call("PUT", `/ivc/ai/task?TaskId=${running.TaskId}`, { Name: "x" })).code).toBe(43719);
    const task = await newTask();
    expect((await call("PUT", `/ivc/ai/task?TaskId=${task.TaskId}`, { ChannelList: running.ChannelList })).code).toBe(43716);
  });
});

describe("DELETE, detail, list and status (A3, A4, A6, A7)", () => {
  it("deletes a task, also one that is on, and frees its channels", async () => {
    const task = await newTask({ IsStartTheTask: true });
    expect(h.aiNotices.notices.at(-1)).toBe(task.TaskId);
    h.aiNotices.notices.length = 0;
    const deleted = await call("DELETE", `/ivc/ai/task?TaskId=${task.TaskId}`);
    expect(deleted.code).toBe(200);
    expect(h.aiNotices.notices).toEqual([task.TaskId]);
    expect((await call("GET", `/ivc/ai/task/detail?TaskId=${task.TaskId}`)).code).toBe(43718);
    expect((await call("DELETE", `/ivc/ai/task?TaskId=${task.TaskId}`)).code).toBe(43718);
    expect((await call("DELETE", "/ivc/ai/task?TaskId=bad")).code).toBe(43717);
    expect((await createTask({ ChannelList: task.ChannelList })).code).toBe(200);
  });

  it("describes a task with its channels and templates", async () => {
    const task = await newTask({ Desc: "描述", CallbackUrl: "https://example.com/cb" });
    const detail = await call<Task>("GET", `/ivc/ai/task/detail?TaskId=${task.TaskId}`);
    expect(detail.data).toEqual(task);
    expect((await call("GET", "/ivc/ai/task/detail?TaskId=at123")).code).toBe(43717);
    expect((await call("GET", `/ivc/ai/task/detail?TaskId=at${"f".repeat(32)}`)).code).toBe(43718);
  });

  it("lists the account's tasks oldest first, ChannelList and Templates only when asked", async () => {
    const key = h.bob;
    const first = await newTask({}, key);
    const second = await newTask({}, key);
    const bare = await call<{ TotalCount: number; List: Task[] }>("GET", "/ivc/ai/tasks", undefined, key);
    expect(bare.data.TotalCount).toBeGreaterThanOrEqual(2);
    const ids = bare.data.List.map((t) => t.TaskId);
    expect(ids.indexOf(first.TaskId)).toBeLessThan(ids.indexOf(second.TaskId));
    expect(bare.data.List[0]).not.toHaveProperty("ChannelList");
    expect(bare.data.List[0]).not.toHaveProperty("Templates");
    const full = await call<{ TotalCount: number; List: Task[] }>("GET", "/ivc/ai/tasks?IsContainChannelList=true&IsContainTemplate=true&PageSize=200", undefined, key);
    expect(full.data.List.find((t) => t.TaskId === first.TaskId)).toEqual(first);
    const page = await call<{ TotalCount: number; List: Task[] }>("GET", "/ivc/ai/tasks?PageNumber=2&PageSize=1", undefined, key);
    expect(page.data.List.map((t) => t.TaskId)).toEqual([ids[1]]);
    expect((await call("GET", "/ivc/ai/tasks?PageNumber=0")).code).toBe(43720);
    expect((await call("GET", "/ivc/ai/tasks?PageSize=0")).code).toBe(43721);
    expect((await call("GET", "/ivc/ai/tasks?PageSize=201")).code).toBe(43721);
  });

  it("turns a task on and off with every A7 code", async () => {
    const task = await newTask();
    const path = (q: string) => `/ivc/ai/task/status?TaskId=${task.TaskId}${q}`;
    expect((await call("PUT", path(""))).code).toBe(43722);
    expect((await call("PUT", path("&Status="))).code).toBe(43722);
    expect((await call("PUT", path("&Status=ON"))).code).toBe(43723);
    expect((await call("PUT", path("&Status=off"))).code).toBe(43724);
    expect((await call("PUT", path("&Status=on"))).code).toBe(200);
    expect((await call("PUT", path("&Status=on"))).code).toBe(200);
    expect((await call<Task>("GET", `/ivc/ai/task/detail?TaskId=${task.TaskId}`)).data.Status).toBe("on");
    h.aiNotices.notices.length = 0;
    expect((await call("PUT", path("&Status=off"))).code).toBe(200);
    // The relays are told at once (ai.tasks.changed) instead of finding out at their next poll; a refused change tells nobody.
    expect(h.aiNotices.notices).toEqual([task.TaskId]);
    expect((await call("PUT", path("&Status=off"))).code).toBe(43724);
    expect(h.aiNotices.notices).toEqual([task.TaskId]);
    expect((await call("PUT", `/ivc/ai/task/status?TaskId=at${"1".repeat(32)}&Status=on`)).code).toBe(43718);
  });
});

describe("GET /ivc/ai/task/result (A5)", () => {
  const base = Date.UTC(2026, 10, 1, 3, 27, 3);
  let task: Task;
  let channelId: string;

  beforeAll(async () => {
    task = await newTask({ Templates: [aiTemplate("Body"), aiTemplate("Pet")] });
    channelId = task.ChannelList![0]!;
    const row = (i: number, detectType: string) => ({
      taskId: task.TaskId,
      appId: h.alice.appId,
      channelId,
      tag: "AI",
      detectType,
      takenAt: new Date(base + i * 10_000),
      clusterId: testNode.id,
      snapshotKey: `ai/${channelId}/${i}-${detectType}.jpg`,
      objects: [{ Name: detectType === "Body" ? "person" : "cat", Score: 90 - i, X: 55, Y: 222, Width: 459, Height: 731 }],
    });
    await testDb.database.db.insert(aiResults).values([0, 1, 2, 3, 4].map((i) => row(i, i % 2 === 0 ? "Body" : "Pet")));
    // Recording files of the channel: [base, base + 20 s) holds frames 0 and 1, [base + 20 s, base + 40 s) frames 2 and 3.
    first = await stored(channelId, base, base + 20_000);
    second = await stored(channelId, base + 20_000, base + 40_000);
    // Another channel's file over the whole range: its key names none of this channel's frames.
    otherChannels = await stored((await addChannels(1))[0]!, base - 60_000, base + 60_000);
  });

  let first: string;
  let second: string;
  let otherChannels: string;
  /** Indexes a segment of the channel as the relay reports it (by GB codes); answers its key. */
  async function stored(id: string, startMs: number, endMs: number): Promise<string> {
    const db = testDb.database.db;
    const [codes] = await db.select({ device: devices.code, channel: channels.code }).from(channels).innerJoin(devices, eq(devices.id, channels.deviceId)).where(eq(channels.id, id));
    const objectKey = `${codes!.device}/${codes!.channel}/20261101/${startMs}-${endMs}.ts`;
    await indexSegment(db, testNode.id, { deviceId: codes!.device, channelId: codes!.channel, planId: "p", startMs, endMs, bytes: 1000, storage: "disk", objectKey, transitionDays: 1, expirationDays: 1 });
    return objectKey;
  }

  const path = (q: string) => `/ivc/ai/task/result?TaskId=${task.TaskId}&ChannelId=${channelId}&BeginTime=${base / 1000 - 60}&EndTime=${base / 1000 + 3600}${q}`;
  type Results = { TaskId: string; AIResultCount: number; AIResults: Record<string, Array<Record<string, unknown>>> };

  it("answers newest first, every type key present, integers in Location and a signed snapshot URL", async () => {
    const found = await call<Results>("GET", path(""));
    expect(found.code).toBe(200);
    expect(found.data.AIResultCount).toBe(5);
    expect(Object.keys(found.data.AIResults).sort()).toEqual(["Body", "Car", "Chefcloth", "Chefhat", "Facemask", "Pet", "PhoneCall", "Smoking"]);
    const body = found.data.AIResults["Body"]!;
    expect(body.map((r) => r["Time"])).toEqual(["2026-11-01 11:27:43", "2026-11-01 11:27:23", "2026-11-01 11:27:03"]);
    expect(body[0]!["BodyInfo"]).toEqual([{ Name: "person", Score: 86, Location: { X: 55, Y: 222, Width: 459, Height: 731 } }]);
    const url = new URL(String(body[0]!["Url"]));
    expect(url.origin).toBe(`http://${testNode.mediaHost}:${testNode.mediaHttpPort}`);
    expect(url.pathname).toBe(`/ai/snapshot/ai/${channelId}/4-Body.jpg`);
    const key = url.pathname.slice("/ai/snapshot/".length);
    const urls = createSnapshotUrls(TEST_SNAPSHOT_SECRET);
    const now = Math.floor(Date.now() / 1000);
    expect(urls.check(key, Number(url.searchParams.get("Expires")), url.searchParams.get("Signature")!, now)).toEqual({ allowed: true });
    expect(urls.check(`${key}x`, Number(url.searchParams.get("Expires")), url.searchParams.get("Signature")!, now)).toEqual({ allowed: false, reason: "bad-signature" });
    expect(found.data.AIResults["Pet"]!.map((r) => r["PetInfo"])).toHaveLength(2);
  });

  it("pages by invocations and filters by DetectType and AIType", async () => {
    const page = await call<Results>("GET", path("&PageSize=2&PageNumber=2"));
    expect(page.data.AIResultCount).toBe(5);
    expect(page.data.AIResults["Body"]!.map((r) => r["Time"])).toEqual(["2026-11-01 11:27:23"]);
    expect(page.data.AIResults["Pet"]!.map((r) => r["Time"])).toEqual(["2026-11-01 11:27:13"]);
    expect((await call<Results>("GET", path("&DetectType=Pet"))).data.AIResultCount).toBe(2);
    expect((await call<Results>("GET", path("&AIType=Body"))).data.AIResultCount).toBe(3);
    expect((await call<Results>("GET", path("&DetectType=Car"))).data.AIResultCount).toBe(0);
  });

  it("filters by Object: the frames taken inside that recording file of the channel, its end excluded", async () => {
    const times = (r: Results) => [...r.AIResults["Body"]!, ...r.AIResults["Pet"]!].map((x) => x["Time"]).sort();
    const inFirst = await call<Results>("GET", path(`&Object=${first}`));
    expect(inFirst.code).toBe(200);
    expect(inFirst.data.AIResultCount).toBe(2);
    expect(times(inFirst.data)).toEqual(["2026-11-01 11:27:03", "2026-11-01 11:27:13"]);
    // Frame 2 is taken at the first file's end: it belongs to the second file only; frame 4 to neither.
    const inSecond = await call<Results>("GET", path(`&Object=${second}`));
    expect(times(inSecond.data)).toEqual(["2026-11-01 11:27:23", "2026-11-01 11:27:33"]);
    expect((await call<Results>("GET", path(`&Object=${second}&DetectType=Body`))).data.AIResultCount).toBe(1);
    expect((await call<Results>("GET", path(`&Object=${second}&PageSize=1&PageNumber=2`))).data.AIResults["Body"]!.map((r) => r["Time"])).toEqual(["2026-11-01 11:27:23"]);
  });

  it.each([
    ["another channel's file, though it spans every frame", () => otherChannels],
    ["a key no file is stored under", () => first.replace(/\.ts$/, "-x.ts")],
  ])("answers no results for %s", async (_name, key) => {
    const found = await call<Results>("GET", path(`&Object=${key()}`));
    expect(found.code).toBe(200);
    expect(found.data.AIResultCount).toBe(0);
    expect(Object.values(found.data.AIResults).flat()).toEqual([]);
  });

  it.each([
    ["43717 malformed TaskId", () => `/ivc/ai/task/result?TaskId=bad&ChannelId=${channelId}`, 43717],
    ["43718 unknown TaskId", () => `/ivc/ai/task/result?TaskId=at${"2".repeat(32)}&ChannelId=${channelId}`, 43718],
    ["43725 no ChannelId", () => `/ivc/ai/task/result?TaskId=${task.TaskId}`, 43725],
    ["43725 empty ChannelId", () => `/ivc/ai/task/result?TaskId=${task.TaskId}&ChannelId=`, 43725],
    ["43715 channel not in the task", () => `/ivc/ai/task/result?TaskId=${task.TaskId}&ChannelId=00000000-0000-4000-8000-000000000009`, 43715],
    ["43726 Object with ..", () => path("&Object=../etc/passwd"), 43726],
    ["43726 Object with a space", () => path("&Object=a%20b.ts"), 43726],
    ["43707 bad DetectType", () => path("&DetectType=Dog"), 43707],
    ["43707 bad AIType", () => path("&AIType=dog"), 43707],
    ["43727 Begin after End", () => `/ivc/ai/task/result?TaskId=${task.TaskId}&ChannelId=${channelId}&BeginTime=100&EndTime=50`, 43727],
    ["43727 span over 30 days", () => `/ivc/ai/task/result?TaskId=${task.TaskId}&ChannelId=${channelId}&BeginTime=0&EndTime=${30 * 86_400 + 1}`, 43727],
    ["43727 negative time", () => `/ivc/ai/task/result?TaskId=${task.TaskId}&ChannelId=${channelId}&BeginTime=-5`, 43727],
    ["43720 PageNumber 0", () => path("&PageNumber=0"), 43720],
    ["43721 PageSize 101", () => path("&PageSize=101"), 43721],
  ])("refuses %s", async (_name, target, code) => {
    expect((await call("GET", target())).code).toBe(code);
  });

  it("keeps tasks, results and snapshot URLs of one account from another", async () => {
    expect((await call("GET", path(""), undefined, h.bob)).code).toBe(43718);
    expect((await call("GET", `/ivc/ai/task/detail?TaskId=${task.TaskId}`, undefined, h.bob)).code).toBe(43718);
    expect((await call("PUT", `/ivc/ai/task?TaskId=${task.TaskId}`, { Name: "stolen" }, h.bob)).code).toBe(43718);
    expect((await call("PUT", `/ivc/ai/task/status?TaskId=${task.TaskId}&Status=on`, undefined, h.bob)).code).toBe(43718);
    expect((await call("DELETE", `/ivc/ai/task?TaskId=${task.TaskId}`, undefined, h.bob)).code).toBe(43718);
    const bobs = await call<{ List: Task[] }>("GET", "/ivc/ai/tasks?PageSize=200", undefined, h.bob);
    expect(bobs.data.List.map((t) => t.TaskId)).not.toContain(task.TaskId);
    // Bob's own task on Bob's channel cannot read Alice's channel's results either.
    const bobTask = await newTask({}, h.bob);
    expect((await call("GET", `/ivc/ai/task/result?TaskId=${bobTask.TaskId}&ChannelId=${channelId}`, undefined, h.bob)).code).toBe(43715);
    expect((await call<Task>("GET", `/ivc/ai/task/detail?TaskId=${task.TaskId}`)).data.Name).not.toBe("stolen");
  });
});
