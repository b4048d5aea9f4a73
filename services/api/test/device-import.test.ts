import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import type ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeviceImportRunner } from "../src/device-files/import-runner.js";
import { createImportJob } from "../src/store/device-import-jobs.js";
import { rowDifference, snapshotRows } from "./support/db-snapshot.js";
import { createHarness, testNode } from "./support/harness.js";
import type { Harness } from "./support/harness.js";
import { createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";
import { declareSize, GB_HEADERS, multipartBody, postImport, readWorkbook, RTMP_HEADERS, sheetTexts, workbook, zipOf } from "./support/xlsx-files.js";

let testDb: TestDatabase;
let h: Harness;
let org: string;

/** Holds the import runner after each chunk while `hold` is set; `chunks` counts the chunks seen. */
const gate = { hold: undefined as Promise<void> | undefined, chunks: 0, onChunk: undefined as (() => void) | undefined };

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database, {
    imports: {
      chunkRows: 2,
      afterChunk: async () => {
        gate.chunks++;
        gate.onChunk?.();
        await gate.hold;
      },
    },
  });
  org = (await h.call<{ Id: string }>(h.alice, "POST", "/ivc/cms/organization/add", { Name: "导入门店", ParentId: "0" })).env.Data.Id;
});
afterAll(async () => {
  await h?.app.close();
  await testDb?.drop();
});

interface Progress {
  State: number;
  Rate: number;
  Total: number;
  Succeed: number;
  Failed: number;
}

const progress = async (jobId: string, key = h.alice) => (await h.call<Progress>(key, "GET", `/ivc/cms/device/import/progress?JobId=${jobId}`)).env;
const importFields = (jobId: string, protocol = "2", organizationId = org) => ({ JobId: jobId, AccessProtocol: protocol, OrganizationId: organizationId });

async function template(protocol: number): Promise<Buffer> {
  const res = await h.send(h.alice, "GET", `/ivc/cms/device/export/template?AccessProtocol=${protocol}`);
  expect(res.statusCode).toBe(200);
  expect(res.headers["content-type"]).toBe("application/download");
  return res.rawPayload;
}

/** The downloaded template with `rows` under its example row, saved again as a client's Excel would. */
async function filledTemplate(protocol: number, rows: string[][]): Promise<Buffer> {
  const book = await readWorkbook(await template(protocol));
  const sheet = book.worksheets[0] as ExcelJS.Worksheet;
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await book.xlsx.writeBuffer());
}

async function expectRefusedUnchanged(fields: Record<string, string>, file: { name: string | Buffer; data: Buffer } | undefined, statusCode: number, detail: RegExp) {
  const before = await snapshotRows(testDb.database);
  const { env } = await postImport(h, h.alice, fields, file);
  expect(env.StatusCode, String(env.Data)).toBe(statusCode);
  expect(String(env.Data)).toMatch(detail);
  const after = await snapshotRows(testDb.database);
  expect(rowDifference(before, after)).toEqual([]);
}

describe("device/export/template", () => {
  it("answers one sheet per protocol: Chinese header, the example row and drop-down lists for the enumerated columns", async () => {
    const gb = await readWorkbook(await template(2));
    expect(gb.worksheets).toHaveLength(1);
    const rows = await sheetTexts(await template(2));
    expect(rows[0]).toEqual(GB_HEADERS);
    expect(rows[1]).toEqual(["示例-前门摄像机", "IPC", "UDP", "12345678", "一楼大厅", testNode.name]);
    const sheet = gb.worksheets[0] as ExcelJS.Worksheet & { dataValidations: { model: Record<string, { type: string; formulae: string[] }> } };
    const lists = Object.values(sheet.dataValidations.model).map((v) => v.formulae[0]);
    expect(lists).toEqual(expect.arrayContaining(['"IPC,NVR"', '"UDP,TCP"', `"${testNode.name}"`]));
    expect((await sheetTexts(await template(1)))[0]).toEqual(RTMP_HEADERS);
  });

  it("refuses an AccessProtocol other than 1 and 2 with 40002", async () => {
    const { env } = await h.call(h.alice, "GET", "/ivc/cms/device/export/template?AccessProtocol=3");
    expect(env.StatusCode).toBe(40002);
  });
});

describe("device/import/sync, progress and result", () => {
  it("creates the valid rows in the background, refuses the others with device/add's codes, and reports both in the result file", async () => {
    const jobId = randomUUID();
    const file = await filledTemplate(2, [
      ["一号门", "IPC", "TCP", "", "东门", ""],
      ["二号门", "nvr", "", "87654321", "", testNode.id],
      ["坏 名字", "IPC", "", "", "", ""],
      ["三号门", "DVR", "", "", "", ""],
      ["四号门", "IPC", "", "1", "", ""],
      ["五号门", "IPC", "", "abc!def", "", ""],
    ]);
    const { env } = await postImport(h, h.alice, importFields(jobId), { name: "门店设备.xlsx", data: file });
    expect(env).toMatchObject({ StatusCode: 200, Data: null });
    await h.deviceImports.settled(h.alice.appId, jobId);
    expect((await progress(jobId)).Data).toEqual({ State: 1, Rate: 1, Total: 6, Succeed: 2, Failed: 4 });

    const list = await h.call<{ List: Array<{ Name: string; Type: number; TransportProtocol: number; Code: string; Password: string }> }>(
      h.alice,
      "GET",
      `/ivc/urm/resource/getUserResources?OrganizationId=${org}&PageSize=100`,
    );
    const byName = new Map(list.env.Data.List.map((d) => [d.Name, d]));
    expect(byName.get("一号门")).toMatchObject({ Type: 1, TransportProtocol: 2 });
    expect(byName.get("二号门")).toMatchObject({ Type: 2, TransportProtocol: 1, Password: "87654321" });
    expect(byName.has("示例-前门摄像机")).toBe(false);
    expect(h.control.changes).toContainEqual({ code: byName.get("一号门")?.Code, change: "upserted" });

    const res = await h.send(h.alice, "GET", `/ivc/cms/device/import/result?JobId=${jobId}`);
    expect(res.headers["content-type"]).toBe("application/download");
    expect(res.headers["content-disposition"]).toContain(`filename*=UTF-8''${encodeURIComponent("导入结果-门店设备.xlsx")}`);
    const rows = await sheetTexts(res.rawPayload);
    expect(rows[0]).toEqual([...GB_HEADERS, "行号", "导入结果", "设备ID", "设备编码", "错误码", "失败原因"]);
    const generated = byName.get("一号门")?.Password ?? "";
    expect(generated).toMatch(/^\d{8}$/);
    expect(rows[1]?.slice(0, 10)).toEqual(["一号门", "IPC", "TCP", generated, "东门", "", "3", "成功", expect.stringMatching(/^[0-9a-f-]{36}$/), byName.get("一号门")?.Code]);
    const refused = rows.slice(3).map((r) => [r[0], r[7], r[10]]);
    expect(refused).toEqual([
      ["坏 名字", "失败", "41624"],
      ["三号门", "失败", "40003"],
      ["四号门", "失败", "41635"],
      ["五号门", "失败", "41626"],
    ]);
    expect(rows[3]?.[11]).toMatch(/^名称为空或填写有误: Name must be/);
  });

  it("moves progress as chunks of rows commit; the result is refused (42205) until the job is finished", async () => {
    const jobId = randomUUID();
    let release!: () => void;
    gate.hold = new Promise((resolve) => (release = resolve));
    const firstChunk = new Promise<void>((resolve) => (gate.onChunk = resolve));
    const names = ["甲", "乙", "丙", "丁", "戊"];
    const { env } = await postImport(h, h.alice, importFields(jobId), { name: "p.xlsx", data: await filledTemplate(2, names.map((n) => [n, "IPC", "", "", "", ""])) });
    expect(env.StatusCode).toBe(200);
    await firstChunk;
    expect((await progress(jobId)).Data).toEqual({ State: 0, Rate: 0.4, Total: 5, Succeed: 2, Failed: 0 });
    expect((await h.call(h.alice, "GET", `/ivc/cms/device/import/result?JobId=${jobId}`)).env.StatusCode).toBe(42205);
    gate.onChunk = undefined;
    gate.hold = undefined;
    release();
    await h.deviceImports.settled(h.alice.appId, jobId);
    expect((await progress(jobId)).Data).toEqual({ State: 1, Rate: 1, Total: 5, Succeed: 5, Failed: 0 });
  });

  it("refuses a JobId used before (40005) and changes nothing", async () => {
    const jobId = randomUUID();
    const file = await filledTemplate(2, [["复用", "IPC", "", "", "", ""]]);
    expect((await postImport(h, h.alice, importFields(jobId), { name: "a.xlsx", data: file })).env.StatusCode).toBe(200);
    await h.deviceImports.settled(h.alice.appId, jobId);
    await expectRefusedUnchanged(importFields(jobId), { name: "a.xlsx", data: file }, 40005, /already used/);
  });

  it("takes an RTMP sheet with AccessProtocol 1, and accepts the seed's Organization_id spelling", async () => {
    const jobId = randomUUID();
    const file = await filledTemplate(1, [["推流一", "IPC", "", ""]]);
    const { env } = await postImport(h, h.alice, { JobId: jobId, AccessProtocol: "1", Organization_id: org }, { name: "r.xlsx", data: file });
    expect(env.StatusCode).toBe(200);
    await h.deviceImports.settled(h.alice.appId, jobId);
    expect((await progress(jobId)).Data).toMatchObject({ State: 1, Succeed: 1 });
  });

  it("resumes a job an earlier API process left unfinished, from its first unprocessed row", async () => {
    const jobId = randomUUID();
    const rows = ["续一", "续二", "续三"].map((name, i) => ({ number: i + 3, cells: [name, "IPC", "", "", "", ""] }));
    // Stored as import/sync stores it, but no runner of this process was told: as if the API had stopped.
    const { db, box } = h.keyDeps;
    expect((await createImportJob(db, box, { appId: h.alice.appId, jobId, accessProtocol: 2, organizationId: Number(org), fileName: "r.xlsx", rows })).ok).toBe(true);
    expect((await progress(jobId)).Data).toMatchObject({ State: 0, Succeed: 0 });
    const restarted = createDeviceImportRunner({ db, box, control: h.control });
    await restarted.resumeUnfinished();
    await restarted.settled(h.alice.appId, jobId);
    await restarted.close();
    expect((await progress(jobId)).Data).toEqual({ State: 1, Rate: 1, Total: 3, Succeed: 3, Failed: 0 });
  });

  it("answers 40006 for a JobId the account never used", async () => {
    expect((await progress(randomUUID())).StatusCode).toBe(40006);
    expect((await h.call(h.alice, "GET", `/ivc/cms/device/import/result?JobId=${randomUUID()}`)).env.StatusCode).toBe(40006);
  });
});

describe("files the import refuses, changing nothing", () => {
  const header = [GB_HEADERS];
  const row = ["名", "IPC", "", "", "", ""];

  it("41614: another protocol's template (header row differs)", async () => {
    await expectRefusedUnchanged(importFields(randomUUID()), { name: "x.xlsx", data: await filledTemplate(1, [["推流", "IPC", "", ""]]) }, 41614, /header row/);
  });

  it("41614: a file that is not a zip, and a zip that is not a workbook", async () => {
    await expectRefusedUnchanged(importFields(randomUUID()), { name: "x.xlsx", data: Buffer.from("名称,类型\n一号门,IPC\n") }, 41614, /not a zip/);
    await expectRefusedUnchanged(importFields(randomUUID()), { name: "x.xlsx", data: await zipOf({ "readme.txt": "hello" }) }, 41614, /no xl\/workbook.xml/);
  });

  it("41614: a cell with a formula (the cached value is not taken)", async () => {
    const file = await workbook([...header, ["名", { formula: 'CONCAT("I","PC")', result: "IPC" }, "", "", "", ""]]);
    await expectRefusedUnchanged(importFields(randomUUID()), { name: "x.xlsx", data: file }, 41614, /cell B2 holds a formula/);
  });

  it("41614: zip bombs — parts declared larger than the bound, or inflating past their declared size", async () => {
    const book = await workbook([...header, row]);
    const zip = await import("yauzl").then((y) => y.default.fromBufferPromise(book, { lazyEntries: true }));
    const parts: Record<string, Buffer> = {};
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith("/")) continue;
      const stream = await zip.openReadStreamPromise(entry);
      const chunks: Buffer[] = [];
      for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
      parts[entry.fileName] = Buffer.concat(chunks);
    }
    const huge = Buffer.alloc(64 * 1024 * 1024, 0x20);
    await expectRefusedUnchanged(importFields(randomUUID()), { name: "x.xlsx", data: await zipOf({ ...parts, "xl/sharedStrings.xml": huge }) }, 41614, /would inflate/);
    const lying = declareSize(await zipOf({ ...parts, "xl/sharedStrings.xml": Buffer.alloc(4 * 1024 * 1024, 0x20) }), "xl/sharedStrings.xml", 100);
    await expectRefusedUnchanged(importFields(randomUUID()), { name: "x.xlsx", data: lying }, 41614, /does not inflate to its declared size/);
  });

  it("41616: more than one sheet", async () => {
    await expectRefusedUnchanged(importFields(randomUUID()), { name: "x.xlsx", data: await workbook([...header, row], [["other"]]) }, 41616, /2 sheets/);
  });

  it("41615: more than 5000 device rows", async () => {
    const rows = Array.from({ length: 5001 }, (_, i) => [`设备${i}`, "IPC", "", "", "", ""]);
    await expectRefusedUnchanged(importFields(randomUUID()), { name: "x.xlsx", data: await workbook([...header, ...rows]) }, 41615, /more than 5000/);
  });

  it("41614: a sheet without device rows", async () => {
    await expectRefusedUnchanged(importFields(randomUUID()), { name: "x.xlsx", data: await workbook(header) }, 41614, /no device rows/);
  });

  it("40001: a file name that is not UTF-8, a missing File, a missing JobId", async () => {
    const file = await workbook([...header, row]);
    await expectRefusedUnchanged(importFields(randomUUID()), { name: Buffer.from([0xc9, 0xe8, 0xb1, 0xb8, 0x2e, 0x78]), data: file }, 40001, /not valid UTF-8/);
    await expectRefusedUnchanged(importFields(randomUUID()), undefined, 40001, /File is required/);
    await expectRefusedUnchanged({ AccessProtocol: "2", OrganizationId: org }, { name: "x.xlsx", data: file }, 40001, /JobId is required/);
  });

  it("40001: a 100 MB upload, refused by its size in the envelope", async () => {
    const before = await snapshotRows(testDb.database);
    const { boundary, body } = multipartBody(importFields(randomUUID()));
    const head = body.subarray(0, body.length - `--${boundary}--\r\n`.length);
    const filePart = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="File"; filename="big.xlsx"\r\n\r\n`);
    const mib = Buffer.alloc(1024 * 1024, 0x41);
    const chunks = [head, filePart, ...Array.from({ length: 100 }, () => mib), Buffer.from(`\r\n--${boundary}--\r\n`)];
    // Sent without Content-Length (chunked), so the part's own limit is what refuses it.
    const res = await h.send(h.alice, "POST", "/ivc/cms/device/import/sync", { payload: Readable.from(chunks), headers: { "Content-Type": `multipart/form-data; boundary=${boundary}` } });
    const env = res.json() as { StatusCode: number; Data: string };
    expect(env.StatusCode).toBe(40001);
    expect(env.Data).toMatch(/exceeds 10485760 bytes/);
    expect(rowDifference(before, await snapshotRows(testDb.database))).toEqual([]);
  });

  it("40001: a JSON body instead of multipart/form-data", async () => {
    const { env } = await h.call(h.alice, "POST", "/ivc/cms/device/import/sync", importFields(randomUUID()));
    expect(env.StatusCode).toBe(40001);
    expect(env.Data).toMatch(/multipart\/form-data/);
  });
});

describe("isolation between accounts", () => {
  it("another account cannot read a job's progress or result, nor import into the organization", async () => {
    const jobId = randomUUID();
    const file = await filledTemplate(2, [["隔离", "IPC", "", "", "", ""]]);
    expect((await postImport(h, h.alice, importFields(jobId), { name: "i.xlsx", data: file })).env.StatusCode).toBe(200);
    await h.deviceImports.settled(h.alice.appId, jobId);
    expect((await progress(jobId, h.bob)).StatusCode).toBe(40006);
    expect((await h.call(h.bob, "GET", `/ivc/cms/device/import/result?JobId=${jobId}`)).env.StatusCode).toBe(40006);
    const before = await snapshotRows(testDb.database);
    expect((await postImport(h, h.bob, importFields(randomUUID()), { name: "i.xlsx", data: file })).env.StatusCode).toBe(40006);
    expect(rowDifference(before, await snapshotRows(testDb.database))).toEqual([]);
  });
});

describe("urm/resource/template (device list export)", () => {
  it("exports the organization's devices with the list's fields, all of them or the DeviceIds", async () => {
    const list = await h.call<{ TotalCount: number; List: Array<{ Id: string; Code: string; Name: string }> }>(
      h.alice,
      "GET",
      `/ivc/urm/resource/getUserResources?OrganizationId=${org}&PageSize=1000`,
    );
    const res = await h.send(h.alice, "POST", "/ivc/urm/resource/template", {
      payload: JSON.stringify({ OrganizationId: org, IsContainSubLevel: false, IsAllResource: true }),
      headers: { "Content-Type": "application/json" },
    });
    expect(res.headers["content-type"]).toBe("application/download");
    const rows = await sheetTexts(res.rawPayload);
    expect(rows[0]).toEqual(["设备ID", "设备编码", "设备名称", "接入协议", "设备类型", "传输协议", "设备密码", "设备描述", "设备状态", "组织ID", "服务节点ID"]);
    expect(rows.slice(1).map((r) => r[0])).toEqual(list.env.Data.List.map((d) => d.Id));
    expect(rows.length - 1).toBe(list.env.Data.TotalCount);

    const picked = list.env.Data.List.slice(0, 2).map((d) => d.Id);
    const subset = await h.send(h.alice, "POST", "/ivc/urm/resource/template", {
      payload: JSON.stringify({ OrganizationId: org, IsContainSubLevel: false, DeviceIds: picked }),
      headers: { "Content-Type": "application/json" },
    });
    expect((await sheetTexts(subset.rawPayload)).slice(1).map((r) => r[0])).toEqual(picked);
  });

  it("shows another account none of the devices, and refuses IsAllResource true with DeviceIds (40005)", async () => {
    const res = await h.send(h.bob, "POST", "/ivc/urm/resource/template", {
      payload: JSON.stringify({ OrganizationId: "0", IsContainSubLevel: true }),
      headers: { "Content-Type": "application/json" },
    });
    expect((await sheetTexts(res.rawPayload)).length).toBe(1);
    const { env } = await h.call(h.alice, "POST", "/ivc/urm/resource/template", { OrganizationId: org, IsContainSubLevel: false, IsAllResource: true, DeviceIds: [randomUUID()] });
    expect(env.StatusCode).toBe(40005);
    const missing = await h.call(h.alice, "POST", "/ivc/urm/resource/template", { OrganizationId: "999999", IsContainSubLevel: true });
    expect(missing.env.StatusCode).toBe(40006);
  });
});
