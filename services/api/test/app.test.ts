import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, createTemporaryCredential, revokeKey } from "../src/accounts/keys.js";
import { ErrorCodes } from "../src/errors/codes.js";
import { signAuthorization } from "../src/signing/sign.js";
import { createHarness, HOST } from "./support/harness.js";
import type { Envelope, Harness } from "./support/harness.js";
import { createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";

let testDb: TestDatabase;
let h: Harness;

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database);
});
afterAll(async () => {
  await h?.app.close();
  await testDb?.drop();
});

function sign(key: { secretId: string; secretKey: string }, method: string, path: string, extra: Partial<Parameters<typeof signAuthorization>[0]> = {}) {
  const url = new URL(path, `http://${HOST}`);
  return signAuthorization({
    secretId: key.secretId,
    secretKey: key.secretKey,
    method,
    pathname: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { Host: HOST },
    startSeconds: Math.floor(Date.now() / 1000) - 1,
    validSeconds: 600,
    ...extra,
  });
}

async function raw(method: string, url: string, headers: Record<string, string>, payload?: string) {
  const res = await h.app.inject({ method: method as "GET", url, headers: { host: HOST, ...headers }, ...(payload !== undefined ? { payload } : {}) });
  return { res, env: res.json() as Envelope };
}

describe("envelope", () => {
  it("wraps success with RequestId (body and header), Code 0, StatusCode 200, Message ok and the Server header", async () => {
    const { res, env } = await h.call(h.alice, "GET", "/ivc/cms/organization/query");
    expect(res.statusCode).toBe(200);
    expect(env).toEqual({ RequestId: expect.any(String), Code: 0, StatusCode: 200, Message: "ok", Data: [] });
    expect(res.headers["requestid"]).toBe(env.RequestId);
    expect(res.headers["server"]).toBe("tencent-iss");
    expect(res.headers["content-type"]).toContain("application/json");
  });

  it("gives every request its own RequestId", async () => {
    const a = await h.call(h.alice, "GET", "/ivc/cms/organization/query");
    const b = await h.call(h.alice, "GET", "/ivc/cms/organization/query");
    expect(a.env.RequestId).not.toBe(b.env.RequestId);
  });

  it("answers an unknown route with a 404 envelope", async () => {
    const { res, env } = await raw("GET", "/ivc/cms/nothing/here", {});
    expect(res.statusCode).toBe(404);
    expect(env).toMatchObject({ Code: 500, StatusCode: 404, Data: "no route GET /ivc/cms/nothing/here" });
    expect(res.headers["requestid"]).toBe(env.RequestId);
  });

  it("refuses malformed JSON with 40001 and no parser internals", async () => {
    const auth = sign(h.alice, "POST", "/ivc/cms/organization/add");
    const { res, env } = await raw("POST", "/ivc/cms/organization/add", { authorization: auth, "content-type": "application/json" }, '{"Name": "x",');
    expect(res.statusCode).toBe(200);
    expect(env).toMatchObject({ Code: 500, StatusCode: 40001, Message: "无效的参数", Data: "request body is not valid JSON" });
  });

  it("refuses a non-JSON content type with 40001", async () => {
    const auth = sign(h.alice, "POST", "/ivc/cms/organization/add");
    const { env } = await raw("POST", "/ivc/cms/organization/add", { authorization: auth, "content-type": "text/plain" }, "Name=x");
    expect(env.StatusCode).toBe(40001);
  });

  it("refuses a body that is not an object with 40001", async () => {
    const { env } = await h.call(h.alice, "POST", "/ivc/cms/organization/add", [1, 2]);
    expect(env).toMatchObject({ StatusCode: 40001, Data: "request body must be a JSON object" });
  });

  it("refuses a wrong JSON type with 40005 naming the field", async () => {
    const { env } = await h.call(h.alice, "POST", "/ivc/cms/organization/add", { Name: 12, ParentId: "0" });
    expect(env).toMatchObject({ Code: 500, StatusCode: 40005, Message: "参数校验失败", Data: "Name must be a string" });
  });

  it("refuses a wrong query type with 40005 naming the field", async () => {
    const { env } = await h.call(h.alice, "GET", "/ivc/urm/resource/getUserResources?OrganizationId=0&IsContainSubLevel=maybe");
    expect(env).toMatchObject({ StatusCode: 40005, Data: "IsContainSubLevel must be true or false" });
  });

  it.each(["True", "False", "true", "false", "1", "0"])("accepts IsContainSubLevel=%s (Python's str(bool) included)", async (value) => {
    const { env } = await h.call(h.alice, "GET", `/ivc/urm/resource/getUserResources?OrganizationId=0&IsContainSubLevel=${value}`);
    expect(env.StatusCode).toBe(200);
  });

  it("verifies a request signed over no headers (empty q-header-list) and still refuses a wrong secret", async () => {
    const url = "/ivc/urm/resource/getUserResources?OrganizationId=0";
    const now = Math.floor(Date.now() / 1000) - 1;
    const unsigned = (secretKey: string) => sign({ ...h.alice, secretKey }, "GET", url, { headers: {}, startSeconds: now });
    expect(unsigned(h.alice.secretKey)).toContain("q-header-list=&");
    expect((await raw("GET", url, { authorization: unsigned(h.alice.secretKey) })).env.StatusCode).toBe(200);
    expect((await raw("GET", url, { authorization: unsigned(`${h.alice.secretKey}x`) })).env.StatusCode).toBe(41602);
  });

  it("serves an OpenAPI document listing every route", async () => {
    const res = await h.app.inject({ method: "GET", url: "/openapi.json" });
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe("3.0.3");
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual([
      "DELETE /ivc/ai/task",
      "DELETE /ivc/cms/device/delete",
      "DELETE /ivc/cms/domain/delete",
      "DELETE /ivc/cms/gateway/delete",
      "DELETE /ivc/cms/organization/delete",
      "GET /ivc/ai/task/detail",
      "GET /ivc/ai/task/result",
      "GET /ivc/ai/tasks",
      "GET /ivc/cms/config/authstream",
      "GET /ivc/cms/config/getallregion",
      "GET /ivc/cms/config/getuserregion",
      "GET /ivc/cms/device/channel",
      "GET /ivc/cms/device/describe",
      "GET /ivc/cms/device/export/template",
      "GET /ivc/cms/device/import/progress",
      "GET /ivc/cms/device/import/result",
      "GET /ivc/cms/domain/cname",
      "GET /ivc/cms/domain/query",
      "GET /ivc/cms/gateway/describe",
      "GET /ivc/cms/gateway/devicelist",
      "GET /ivc/cms/gateway/list",
      "GET /ivc/cms/gateway/monitor",
      "GET /ivc/cms/gateway/protocoltype",
      "GET /ivc/cms/gateway/version",
      "GET /ivc/cms/organization/query",
      "GET /ivc/record/allchannellist/query",
      "GET /ivc/record/channellist/query",
      "GET /ivc/record/devicelist/query",
      "GET /ivc/record/filelist/query",
      "GET /ivc/record/plan/query/byid",
      "GET /ivc/record/planlist/query",
      "GET /ivc/record/playback/url",
      "GET /ivc/record/retrievetaskdetails/query",
      "GET /ivc/record/retrievetasklist/query",
      "GET /ivc/record/template/query",
      "GET /ivc/record/templatelist/query",
      "GET /ivc/recordbackup/devicelist/query",
      "GET /ivc/recordbackup/plan/query/byid",
      "GET /ivc/recordbackup/planlist/query",
      "GET /ivc/recordbackup/template/query",
      "GET /ivc/recordbackup/templatelist/query",
      "GET /ivc/urm/resource/getUserResources",
      "POST /ivc/ai/task",
      "POST /ivc/cms/config/authstream",
      "POST /ivc/cms/control/plays",
      "POST /ivc/cms/control/preset/get",
      "POST /ivc/cms/control/preset/mange",
      "POST /ivc/cms/control/ptz",
      "POST /ivc/cms/control/record",
      "POST /ivc/cms/control/recordctl",
      "POST /ivc/cms/control/stream",
      "POST /ivc/cms/control/timeline",
      "POST /ivc/cms/device/add",
      "POST /ivc/cms/device/import/sync",
      "POST /ivc/cms/device/refresh",
      "POST /ivc/cms/domain/add",
      "POST /ivc/cms/domain/record",
      "POST /ivc/cms/domain/update",
      "POST /ivc/cms/gateway/upgrade",
      "POST /ivc/cms/organization/add",
      "POST /ivc/record/channelcount/query",
      "POST /ivc/record/plan/add",
      "POST /ivc/record/plan/delete",
      "POST /ivc/record/plan/modify",
      "POST /ivc/record/retrievetask/add",
      "POST /ivc/record/retrievetask/delete",
      "POST /ivc/record/template/add",
      "POST /ivc/record/template/delete",
      "POST /ivc/record/template/modify",
      "POST /ivc/recordbackup/plan/add",
      "POST /ivc/recordbackup/plan/delete",
      "POST /ivc/recordbackup/plan/modify",
      "POST /ivc/recordbackup/template/add",
      "POST /ivc/recordbackup/template/delete",
      "POST /ivc/recordbackup/template/modify",
      "POST /ivc/urm/resource/template",
      "POST /ivc/vds/VideoDownloadUrl",
      "PUT /ivc/ai/task",
      "PUT /ivc/ai/task/status",
      "PUT /ivc/cms/device/update",
      "PUT /ivc/cms/device/updateorg",
      "PUT /ivc/cms/device/updatestatus",
      "PUT /ivc/cms/gateway/update",
      "PUT /ivc/cms/organization/update",
    ]);
  });
});

describe("request signing refusals", () => {
  const path = "/ivc/cms/organization/query";
  const expectRefusal = (env: Envelope, statusCode: number, detail: RegExp) => {
    expect(env.Code).toBe(500);
    expect(env.StatusCode).toBe(statusCode);
    expect(String(env.Data)).toMatch(detail);
    expect(JSON.stringify(env)).not.toContain(h.alice.secretKey);
  };

  it("refuses a request without Authorization with 41602", async () => {
    const { env } = await raw("GET", path, {});
    expectRefusal(env, 41602, /missing/);
  });

  it("refuses a malformed Authorization with 41602", async () => {
    const { env } = await raw("GET", path, { authorization: "q-sign-algorithm=sha1&q-ak=x" });
    expectRefusal(env, 41602, /malformed/);
  });

  it("refuses an unknown SecretId with 41602", async () => {
    const { env } = await raw("GET", path, { authorization: sign({ secretId: "AKIDnobody", secretKey: "k" }, "GET", path) });
    expectRefusal(env, 41602, /unknown/);
  });

  it("refuses a bad signature with 41602", async () => {
    const { env } = await raw("GET", path, { authorization: sign({ ...h.alice, secretKey: "wrong" }, "GET", path) });
    expectRefusal(env, 41602, /does not match/);
  });

  it("refuses a signature over another path with 41602", async () => {
    const { env } = await raw("GET", path, { authorization: sign(h.alice, "GET", "/ivc/cms/config/getallregion") });
    expectRefusal(env, 41602, /does not match/);
  });

  it("refuses an expired KeyTime with 41601", async () => {
    const start = Math.floor(Date.now() / 1000) - 4000;
    const { env } = await raw("GET", path, { authorization: sign(h.alice, "GET", path, { startSeconds: start, validSeconds: 3000 }) });
    expectRefusal(env, 41601, /expired/);
  });

  it("refuses a KeyTime that starts in the future with 41602", async () => {
    const start = Math.floor(Date.now() / 1000) + 1000;
    const { env } = await raw("GET", path, { authorization: sign(h.alice, "GET", path, { startSeconds: start }) });
    expectRefusal(env, 41602, /future/);
  });

  it("refuses an over-long KeyTime with 41602", async () => {
    const { env } = await raw("GET", path, { authorization: sign(h.alice, "GET", path, { validSeconds: 30 * 86400 }) });
    expectRefusal(env, 41602, /spans more than/);
  });

  it("refuses a signed query parameter that is absent from the request", async () => {
    const auth = sign(h.alice, "GET", `${path}?Extra=1`);
    const { env } = await raw("GET", path, { authorization: auth });
    expectRefusal(env, 41602, /extra is in q-url-param-list but absent/);
  });

  it("accepts a second key of the account and refuses it once revoked", async () => {
    const key = await createKey(h.keyDeps, h.alice.appId);
    expect((await raw("GET", path, { authorization: sign(key, "GET", path) })).env.StatusCode).toBe(200);
    await revokeKey(testDb.database.db, key.secretId);
    const { env } = await raw("GET", path, { authorization: sign(key, "GET", path) });
    expectRefusal(env, 41602, /unknown or revoked/);
  });
});

describe("temporary credentials (x-iss-security-token)", () => {
  const path = "/ivc/cms/organization/query";

  it("accepts the key pair with its token and refuses it without the token", async () => {
    const temp = await createTemporaryCredential(h.keyDeps, h.alice.appId, 600);
    const authorization = sign(temp, "GET", path);
    expect((await raw("GET", path, { authorization, "x-iss-security-token": temp.token })).env.StatusCode).toBe(200);
    expect((await raw("GET", path, { authorization })).env.StatusCode).toBe(41602);
    expect((await raw("GET", path, { authorization, "x-iss-security-token": `${temp.token}x` })).env.StatusCode).toBe(41602);
  });

  it("refuses expired temporary credentials with 41601", async () => {
    const temp = await createTemporaryCredential(h.keyDeps, h.alice.appId, 60, new Date(Date.now() - 120_000));
    const { env } = await raw("GET", path, { authorization: sign(temp, "GET", path), "x-iss-security-token": temp.token });
    expect(env).toMatchObject({ StatusCode: 41601, Message: ErrorCodes.TokenExpired.message });
    expect(JSON.stringify(env)).not.toContain(temp.secretKey);
  });
});

describe("hostile and broken requests", () => {
  it("refuses a __proto__ key with 40001", async () => {
    const auth = sign(h.alice, "POST", "/ivc/cms/organization/add");
    const { env } = await raw(
      "POST",
      "/ivc/cms/organization/add",
      { authorization: auth, "content-type": "application/json" },
      '{"Name":"x","ParentId":"0","__proto__":{"admin":true}}',
    );
    expect(env.StatusCode).toBe(40001);
  });

  it("refuses a body over the limit with 40001", async () => {
    const auth = sign(h.alice, "POST", "/ivc/cms/organization/add");
    const { env } = await raw("POST", "/ivc/cms/organization/add", { authorization: auth, "content-type": "application/json" }, `{"Name":"${"a".repeat(2_000_000)}"}`);
    expect(env).toMatchObject({ StatusCode: 40001, Data: expect.stringMatching(/exceeds/) });
  });

  it("refuses a repeated query parameter with 40005", async () => {
    const auth = sign(h.alice, "GET", "/ivc/cms/device/describe?Id=a");
    const { env } = await raw("GET", "/ivc/cms/device/describe?Id=a&Id=b", { authorization: auth });
    expect(env).toMatchObject({ StatusCode: 40005, Data: "Id must be given once" });
  });

  it("answers a crashing handler with 50000 and no stack or error text", async () => {
    const { buildApp } = await import("../src/http/app.js");
    const app = buildApp({
      routes: [
        {
          method: "GET",
          url: "/ivc/boom",
          summary: "",
          tag: "",
          query: {},
          body: undefined,
          form: undefined,
          data: {},
          run: async () => {
            throw new Error("boom: password=hunter2");
          },
        },
      ],
      authenticate: async () => ({ ok: true, value: { appId: "1" } }),
    });
    const res = await app.inject({ method: "GET", url: "/ivc/boom" });
    await app.close();
    const env = res.json() as Envelope;
    expect(res.statusCode).toBe(200);
    expect(env).toMatchObject({ Code: 500, StatusCode: 50000, Message: "操作失败" });
    expect(res.body).not.toMatch(/hunter2|boom|at .*\.ts/);
  });
});
