import { randomUUID } from "node:crypto";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCertificate } from "../../../test/support/certificates.js";
import { createDeviceEventHandlers } from "../src/bus/device-events.js";
import { ErrorCodes } from "../src/errors/codes.js";
import { rowDifference, snapshotRows } from "./support/db-snapshot.js";
import { addGatewayChannel } from "./support/gateway-channels.js";
import { addGbChannel } from "./support/gb-channels.js";
import { createHarness, HOST, testNode } from "./support/harness.js";
import { expectationOf } from "./support/hostile-oracle.js";
import type { Expectation } from "./support/hostile-oracle.js";
import { applyMutation, endpointsOf, fixedMutations, randomMutations } from "./support/hostile-requests.js";
import type { BaseRequest, Endpoint, Field, FieldSchema, Mutation, OpenApiDocument, Variant } from "./support/hostile-requests.js";
import { ensureServiceNode } from "../src/store/service-nodes.js";
import { createTestDatabase } from "./support/pg.js";
import { addTemplate, addUploadTemplate, ALL_WEEK } from "./support/record-plans.js";
import { GB_HEADERS, postImport, workbook } from "./support/xlsx-files.js";

/**
 * A property sweep over every route of the served OpenAPI document (a new route is swept without
 * changes here): hostile variants of a valid request must each get the documented envelope, a
 * registered error code naming the offending field, no internals, and a refusal must store nothing.
 * Rerun a failure with HOSTILE_SEED=<the seed its message prints>.
 */
const SEED = Number(process.env["HOSTILE_SEED"] ?? 20240611);
const RANDOM_MUTATIONS = 300;

const testDb = await createTestDatabase();
const h = await createHarness(testDb.database);
const endpoints = endpointsOf((await h.app.inject({ method: "GET", url: "/openapi.json" })).json<OpenApiDocument>());
afterAll(async () => {
  await h.app.close();
  await testDb.drop();
});

type Kind = "organization" | "device" | "gateway" | "domain" | "template" | "plan" | "uploadTemplate" | "uploadPlan" | "task" | "aiChannel" | "aiTask";

/** Throwaway play domains are names under this wildcard; each is bound on a node of its own (one domain per node). */
const DOMAIN_CERT = makeCertificate(["*.hostile.example.com"]);

interface Seeded {
  readonly organizationIds: readonly string[];
  readonly deviceIds: readonly string[];
  readonly gatewayId: string;
  readonly gbDeviceId: string;
  readonly gbChannelId: string;
  readonly streamAuthId: string;
  readonly templateId: string;
  readonly planId: string;
  readonly uploadTemplateId: string;
  readonly uploadPlanId: string;
  readonly taskId: string;
  readonly importJobId: string;
}

let seeded: Seeded;
let seededBefore: unknown;
let names = 0;

async function addPlan(name: string, templateId: string, base = "/ivc/record"): Promise<string> {
  const body = { PlanName: name, TemplateId: templateId, LifeCycle: { Transition: 1, Expiration: 0 } };
  return (await h.call<{ PlanId: string }>(h.alice, "POST", `${base}/plan/add`, body)).env.Data.PlanId;
}

async function addRetrievalTask(name: string): Promise<string> {
  const body = { TaskName: name, StartTime: 0, EndTime: 60, Mode: 1, Expiration: 1, Channels: [{ DeviceId: seeded.gbDeviceId, ChannelId: seeded.gbChannelId }] };
  return (await h.call<{ TaskId: string }>(h.alice, "POST", "/ivc/record/retrievetask/add", body)).env.Data.TaskId;
}

async function addOrganization(name: string, parentId: string): Promise<string> {
  return (await h.call<{ Id: string }>(h.alice, "POST", "/ivc/cms/organization/add", { Name: name, ParentId: parentId })).env.Data.Id;
}

/** Resources that mutation routes act on, so that what they accept never touches the seeded ones. */
class Throwaways {
  private readonly made = new Map<Kind, Promise<string>>();
  /** Set when a resource was made since the last look: the stored rows changed. */
  created = false;

  forget(): void {
    this.made.clear();
  }

  get(kind: Kind): Promise<string> {
    const known = this.made.get(kind);
    if (known) return known;
    const made = this.make(kind);
    this.made.set(kind, made);
    this.created = true;
    return made;
  }

  private async make(kind: Kind): Promise<string> {
    if (kind === "organization") return addOrganization(`tmp${++names}`, "0");
    if (kind === "gateway") return (await addGatewayChannel(h, testDb.database.db)).gatewayId;
    if (kind === "domain") {
      const node = { ...testNode, id: randomUUID(), name: `tmp${++names}` };
      await ensureServiceNode(testDb.database.db, node);
      const body = { PlayDomain: `tmp${++names}.hostile.example.com`, InternalDomain: node.publicHost, ClusterId: node.id, Key: DOMAIN_CERT.keyPem, Cert: DOMAIN_CERT.certPem };
      return (await h.call<{ Id: string }>(h.alice, "POST", "/ivc/cms/domain/add", body)).env.Data.Id;
    }
    if (kind === "template") return (await addTemplate(h, h.alice, `tmp${++names}`)).TemplateId;
    if (kind === "plan") return addPlan(`tmp${++names}`, await this.get("template"));
    if (kind === "uploadTemplate") return (await addUploadTemplate(h, h.alice, `tmp${++names}`, ALL_WEEK, ALL_WEEK, 1)).TemplateId;
    if (kind === "uploadPlan") return addPlan(`tmp${++names}`, await this.get("uploadTemplate"), UPLOAD);
    if (kind === "task") return addRetrievalTask(`tmp${++names}`);
    // A channel in no AI task (one task per channel), and a task on another such channel.
    if (kind === "aiChannel") return (await addGbChannel(h, createDeviceEventHandlers(testDb.database.db))).channelId;
    if (kind === "aiTask") {
      const body = { Name: `tmp${++names}`, ChannelList: [(await addGbChannel(h, createDeviceEventHandlers(testDb.database.db))).channelId], Templates: AI_TEMPLATES };
      return (await h.call<{ TaskId: string }>(h.alice, "POST", "/ivc/ai/task", body)).env.Data.TaskId;
    }
    const body = { Name: `tmp${++names}`, AccessProtocol: 1, Type: 1, OrganizationId: await this.get("organization"), ClusterId: testNode.id };
    return (await h.call<{ Id: string }>(h.alice, "POST", "/ivc/cms/device/add", body)).env.Data.Id;
  }
}

const throwaways = new Throwaways();

/** What an `Id` names, by the route's path; authstream's is the account's config. */
function idKind(url: string): Kind | "authstream" | undefined {
  if (url.includes("/config/authstream")) return "authstream";
  return (["organization", "device", "gateway", "domain"] as const).find((kind) => url.includes(`/${kind}/`));
}

/** Nested fields whose pattern the generic sample cannot satisfy (template sections, channel references). */
const nestedSample = (name: string): unknown =>
  ({ StartTime: "00:00:00", EndTime: "23:59:59", DeviceId: seeded.gbDeviceId, ChannelId: seeded.gbChannelId })[name];
const UPLOAD = "/ivc/recordbackup";
/** AI task templates (spec 04 A0): which config a Tag takes is beyond the schema's required marks. */
const AI_TEMPLATES = [{ Tag: "AI", AIConfig: { DetectType: "Body", TimeInterval: 10, OperTimeslot: [{ Start: "10:00:00", End: "11:00:00" }] } }];

/** A value the schema accepts: the first enum value, the default or minimum, the first of `^(a|b)$`; objects get their required fields. */
function schemaSample(schema: FieldSchema): unknown {
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  switch (schema.type) {
    case "object":
      return Object.fromEntries((schema.required ?? []).map((name) => [name, nestedSample(name) ?? schemaSample(schema.properties?.[name] ?? {})]));
    case "integer":
    case "number":
      return schema.default ?? schema.minimum ?? 1;
    case "boolean":
      return schema.default ?? false;
    case "array":
      return [schema.items ? schemaSample(schema.items) : "x"];
    default:
      return /^\^\(([^()]+)\)\$$/.exec(schema.pattern ?? "")?.[1]?.split("|")[0] ?? "hostile01";
  }
}

async function sample(endpoint: Endpoint, field: Field): Promise<unknown> {
  const mutating = endpoint.method !== "GET";
  const now = Math.floor(Date.now() / 1000);
  switch (field.name) {
    case "Id": {
      const kind = idKind(endpoint.url);
      if (kind === "authstream") return seeded.streamAuthId;
      if (kind === undefined) break;
      if (mutating) return throwaways.get(kind);
      return kind === "organization" ? seeded.organizationIds[0] : kind === "device" ? seeded.gbDeviceId : seeded.gatewayId;
    }
    case "Ids":
      return [await throwaways.get("device")];
    case "OrganizationId":
    case "ParentId": {
      const id = mutating ? await throwaways.get("organization") : seeded.organizationIds[0];
      return field.schema.type === "array" ? [id] : id;
    }
    case "TemplateId":
      if (endpoint.url.startsWith(UPLOAD)) return mutating ? throwaways.get("uploadTemplate") : seeded.uploadTemplateId;
      return mutating ? throwaways.get("template") : seeded.templateId;
    case "PlanId":
      if (endpoint.url.startsWith(UPLOAD)) return mutating ? throwaways.get("uploadPlan") : seeded.uploadPlanId;
      return mutating ? throwaways.get("plan") : seeded.planId;
    case "TaskId":
      if (endpoint.url.startsWith("/ivc/ai/")) return throwaways.get("aiTask");
      return mutating ? throwaways.get("task") : seeded.taskId;
    case "DeviceId":
      return seeded.gbDeviceId;
    case "ChannelId":
      return seeded.gbChannelId;
    case "JobId":
      return seeded.importJobId;
    case "ChannelList":
      return [await throwaways.get("aiChannel")];
    case "Templates":
      return AI_TEMPLATES;
    case "ClusterId":
      return testNode.id;
    case "PlayDomain":
      return `hostile${++names}.hostile.example.com`;
    case "InternalDomain":
      return testNode.publicHost;
    case "Start":
      return now - 3600;
    case "End":
      return now;
    // §24's times are decimal strings.
    case "BeginTime":
      return String(now - 1200);
    case "EndTime":
      if (endpoint.url === "/ivc/vds/VideoDownloadUrl") return String(now - 600);
  }
  return schemaSample(field.schema);
}

async function baseRequest(endpoint: Endpoint): Promise<BaseRequest> {
  const query: Array<[string, string]> = [];
  for (const field of endpoint.query.filter((f) => f.required)) query.push([field.name, String(await sample(endpoint, field))]);
  if (!endpoint.body) return { query, body: undefined };
  const body: Array<[string, unknown]> = [];
  for (const field of endpoint.body.filter((f) => f.required)) body.push([field.name, await sample(endpoint, field)]);
  return { query, body };
}

async function send(endpoint: Endpoint, variant: Variant): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = variant.contentType === undefined ? {} : { "Content-Type": variant.contentType };
  const request = variant.payload === undefined ? { headers } : { headers, payload: variant.payload };
  if (!variant.unsigned) return h.send(h.alice, endpoint.method, variant.url, request);
  return h.app.inject({ method: endpoint.method as "GET", url: variant.url, headers: { host: HOST, ...headers }, ...(request.payload !== undefined ? { payload: request.payload } : {}) });
}

const REGISTRY = new Map<number, { message: string; httpStatus: number }>(Object.values(ErrorCodes).map((e) => [e.statusCode, e]));
const ENVELOPE_KEYS = ["Code", "Data", "Message", "RequestId", "StatusCode"];
/** Stack frames, driver and framework text, or a value printed without thought. */
const LEAK = /\bat \S+ \(|\.[cm]?[jt]s:\d+|node_modules|FST_ERR|\w*Error:|SQLSTATE|violates|syntax error|invalid input|invalid byte sequence|relation "|duplicate key|drizzle|postgres|\[object Object\]|\bundefined\b/i;

const excerpt = (text: unknown): string => JSON.stringify(String(text).slice(0, 160));

/** A download route's success is the file itself (spec 02 §12–§14), not the envelope. */
const isDownload = (res: LightMyRequestResponse) => res.statusCode === 200 && res.headers["content-type"] === "application/download";

/** What is wrong with an answer: envelope, registered code, no internals, and what the oracle demands. */
function answerProblems(res: LightMyRequestResponse, expectation: Expectation): string[] {
  const problems: string[] = [];
  if (res.statusCode >= 500) problems.push(`HTTP ${res.statusCode}`);
  if (isDownload(res)) return expectation.refused ? [`file answered although ${expectation.fields.join(", ") || "the body"} breaks the documented schema`] : [];
  let env: Record<string, unknown>;
  try {
    env = JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    return [...problems, `body is not JSON: ${excerpt(res.body)}`];
  }
  if (Object.keys(env).sort().join() !== ENVELOPE_KEYS.join()) problems.push(`envelope keys are ${Object.keys(env).join(",")}`);
  if (typeof env["RequestId"] !== "string" || env["RequestId"] === "" || res.headers["requestid"] !== env["RequestId"]) problems.push("RequestId missing or unlike the header");
  const statusCode = env["StatusCode"];
  if (statusCode === 200) {
    if (env["Code"] !== 0 || env["Message"] !== "ok" || res.statusCode !== 200) problems.push(`success with Code ${String(env["Code"])}, HTTP ${res.statusCode}`);
  } else {
    const registered = typeof statusCode === "number" ? REGISTRY.get(statusCode) : undefined;
    if (!registered) problems.push(`StatusCode ${String(statusCode)} is not in the error registry`);
    else if (env["Message"] !== registered.message || res.statusCode !== registered.httpStatus) problems.push(`StatusCode ${String(statusCode)} with Message ${excerpt(env["Message"])}, HTTP ${res.statusCode}`);
    if (statusCode === ErrorCodes.OperationFailed.statusCode) problems.push(`internal error (50000): ${excerpt(env["Data"])}`);
    if (env["Code"] !== 500) problems.push(`refusal with Code ${String(env["Code"])}`);
    if (typeof env["Data"] !== "string") problems.push("refusal without a detail string in Data");
  }
  const leak = LEAK.exec(res.body);
  if (leak) problems.push(`leaks ${excerpt(leak[0])} in ${excerpt(res.body)}`);
  if (expectation.refused && statusCode === 200) problems.push(`accepted although ${expectation.fields.join(", ") || "the body"} breaks the documented schema`);
  if (expectation.statusCode !== undefined && statusCode !== expectation.statusCode) problems.push(`StatusCode ${String(statusCode)}, expected ${expectation.statusCode}: ${excerpt(env["Data"])}`);
  const named = expectation.fields.some((f) => new RegExp(`\\b${f}\\b`).test(String(env["Data"])));
  if (expectation.refused && expectation.fields.length > 0 && statusCode !== 200 && !named) {
    problems.push(`refusal ${String(statusCode)} ${excerpt(env["Data"])} names none of ${expectation.fields.join(", ")}`);
  }
  return problems;
}

/**
 * Sends each mutation of a fresh base request and checks the answer; a refusal must leave every
 * stored row as it was. An accepted delete used up its throwaway resource, so the next gets a new one.
 */
async function sweep(runs: ReadonlyArray<{ endpoint: Endpoint; mutation: Mutation }>): Promise<string[]> {
  const problems: string[] = [];
  let rows = await snapshotRows(testDb.database);
  for (const { endpoint, mutation } of runs) {
    const variant = applyMutation(endpoint, await baseRequest(endpoint), mutation);
    if (throwaways.created) rows = await snapshotRows(testDb.database);
    throwaways.created = false;
    const res = await send(endpoint, variant);
    const where = `${endpoint.method} ${endpoint.url} «${variant.label}» (seed ${SEED})`;
    problems.push(...answerProblems(res, expectationOf(endpoint, variant)).map((p) => `${where}: ${p}`));
    const after = await snapshotRows(testDb.database);
    const accepted = isDownload(res) || (res.statusCode === 200 && (res.json<{ StatusCode?: number }>().StatusCode ?? 0) === 200);
    const changed = rowDifference(rows, after);
    if (!accepted && changed.length > 0) problems.push(`${where}: refused, yet stored rows changed: ${changed.join(" | ")}`);
    if (accepted && (endpoint.method === "DELETE" || endpoint.url.endsWith("/delete"))) throwaways.forget();
    rows = after;
  }
  return problems;
}

/** The seeded resources as the API shows them. */
async function seededView(): Promise<unknown> {
  const organizations = (await h.call<Array<{ Id: string }>>(h.alice, "GET", "/ivc/cms/organization/query")).env.Data.filter((o) =>
    seeded.organizationIds.includes(o.Id),
  );
  const devices = [];
  for (const id of seeded.deviceIds) {
    devices.push((await h.call(h.alice, "GET", `/ivc/cms/device/describe?Id=${id}`)).env.Data);
    devices.push((await h.call(h.alice, "GET", `/ivc/cms/device/channel?DeviceId=${id}`)).env.Data);
  }
  const gateway = [];
  for (const route of ["describe", "monitor", "devicelist", "version"]) gateway.push((await h.call(h.alice, "GET", `/ivc/cms/gateway/${route}?Id=${seeded.gatewayId}`)).env.Data);
  return { organizations, devices, gateway };
}

beforeAll(async () => {
  const top = await addOrganization("seed-top", "0");
  const sub = await addOrganization("seed-sub", top);
  const gb = await addGbChannel(h, createDeviceEventHandlers(testDb.database.db));
  const rtmp = { Name: "seed-rtmp", AccessProtocol: 1, Type: 1, OrganizationId: top, ClusterId: testNode.id };
  const rtmpId = (await h.call<{ Id: string }>(h.alice, "POST", "/ivc/cms/device/add", rtmp)).env.Data.Id;
  await h.call(h.alice, "PUT", "/ivc/cms/device/updateorg", { Ids: [gb.deviceId], OrganizationId: sub });
  const gateway = await addGatewayChannel(h, testDb.database.db);
  const streamAuthId = (await h.call<{ Id: string }>(h.alice, "GET", "/ivc/cms/config/authstream")).env.Data.Id;
  const templateId = (await addTemplate(h, h.alice, "seed-template")).TemplateId;
  const uploadTemplateId = (await addUploadTemplate(h, h.alice, "seed-upload-template", ALL_WEEK, ALL_WEEK, 1)).TemplateId;
  const importJobId = "6f1c2a9e-3b7d-4e58-9a21-0c4d8e7f5b13";
  const importFile = await workbook([GB_HEADERS, ["seed-import", "IPC", "", "", "", ""]]);
  await postImport(h, h.alice, { JobId: importJobId, AccessProtocol: "2", OrganizationId: top }, { name: "seed.xlsx", data: importFile });
  await h.deviceImports.settled(h.alice.appId, importJobId);
  seeded = {
    organizationIds: [top, sub],
    deviceIds: [gb.deviceId, rtmpId, gateway.deviceId],
    gatewayId: gateway.gatewayId,
    gbDeviceId: gb.deviceId,
    gbChannelId: gb.channelId,
    streamAuthId,
    templateId,
    planId: await addPlan("seed-plan", templateId),
    uploadTemplateId,
    uploadPlanId: await addPlan("seed-upload-plan", uploadTemplateId, UPLOAD),
    taskId: "",
    importJobId,
  };
  seeded = { ...seeded, taskId: await addRetrievalTask("seed-task") };
  seededBefore = await seededView();
});

describe("hostile inputs", () => {
  it("finds the routes and a valid base request for each in the served document", async () => {
    expect(endpoints.length).toBeGreaterThan(30);
    for (const endpoint of endpoints) {
      const base = applyMutation(endpoint, await baseRequest(endpoint), { label: "base", ops: [] });
      // A new route whose fields the generic samples cannot satisfy needs a case in sample().
      expect(expectationOf(endpoint, base), `${endpoint.method} ${endpoint.url} base ${base.url} ${base.payload ?? ""}`).toEqual({ refused: false, fields: [] });
    }
  });

  it.each(endpoints.map((e) => [`${e.method} ${e.url}`, e] as const))("answers every hostile variant of %s in the envelope and stores nothing it refuses", async (_name, endpoint) => {
    throwaways.forget();
    const problems = await sweep(fixedMutations(endpoint).map((mutation) => ({ endpoint, mutation })));
    expect(problems).toEqual([]);
  }, 60_000);

  it(`survives ${RANDOM_MUTATIONS} random mutations (seed ${SEED})`, async () => {
    throwaways.forget();
    const problems = await sweep(randomMutations(endpoints, RANDOM_MUTATIONS, SEED));
    expect(problems).toEqual([]);
  }, 60_000);

  it("leaves the seeded organizations, devices, channels and gateway as they were", async () => {
    expect(await seededView()).toEqual(seededBefore);
  });
});
