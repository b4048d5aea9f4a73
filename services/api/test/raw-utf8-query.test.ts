import { createRequire } from "node:module";
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { percentEncodeRequestLine } from "../src/http/raw-utf8-target.js";
import { signAuthorization } from "../src/signing/sign.js";
import { createHarness } from "./support/harness.js";
import type { Envelope, Harness } from "./support/harness.js";
import { createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";

// Real clients over a real socket: curl puts `Keyword=门店` on the wire as raw UTF-8 bytes.

const require = createRequire(import.meta.url);
const COS = require("cos-nodejs-sdk-v5") as { getAuthorization(opts: Record<string, unknown>): string };

let testDb: TestDatabase;
let h: Harness;
let port: number;
const PATH = "/ivc/urm/resource/getUserResources";
const QUERY = { OrganizationId: "0", Keyword: "门店", IsContainSubLevel: "True" };

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database);
  await h.app.listen({ port: 0, host: "127.0.0.1" });
  port = (h.app.server.address() as AddressInfo).port;
  const gb = { AccessProtocol: 2, Type: 1, TransportProtocol: 1, Password: "123456", OrganizationId: "0", ClusterId: "4169d92e-60ad-4c16-ac7e-d313abdd0790" };
  for (const Name of ["门店", "仓库"]) expect((await h.call(h.alice, "POST", "/ivc/cms/device/add", { ...gb, Name })).env.StatusCode).toBe(200);
});
afterAll(async () => {
  await h?.app.close();
  await testDb?.drop();
});

/** Sends `target` byte for byte (no client re-encoding) and returns the parsed answer. */
function rawGet(target: Buffer, authorization: string): Promise<{ status: number; env?: Envelope<{ List: Array<{ Name: string }> }> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(Buffer.concat([Buffer.from("GET "), target, Buffer.from(` HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${authorization}\r\nConnection: close\r\n\r\n`)]));
    });
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const body = text.slice(text.indexOf("\r\n\r\n") + 4);
      resolve({ status: Number(text.split(" ")[1]), ...(body.startsWith("{") ? { env: JSON.parse(body) } : {}) });
    });
  });
}

const now = () => Math.floor(Date.now() / 1000) - 1;
const signers: Record<string, () => string> = {
  "our signer (Host signed)": () =>
    signAuthorization({ secretId: h.alice.secretId, secretKey: h.alice.secretKey, method: "GET", pathname: PATH, query: QUERY, headers: { Host: `127.0.0.1:${port}` }, startSeconds: now(), validSeconds: 600 }),
  "COS.getAuthorization with Headers": () =>
    COS.getAuthorization({ SecretId: h.alice.secretId, SecretKey: h.alice.secretKey, Method: "GET", Pathname: PATH, Query: QUERY, Headers: { Host: `127.0.0.1:${port}` } }),
  "COS.getAuthorization without Headers": () => COS.getAuthorization({ SecretId: h.alice.secretId, SecretKey: h.alice.secretKey, Method: "GET", Pathname: PATH, Query: QUERY }),
};
const targets: Record<string, Buffer> = {
  "raw UTF-8": Buffer.from(`${PATH}?OrganizationId=0&Keyword=门店&IsContainSubLevel=True`, "utf8"),
  "percent-encoded": Buffer.from(`${PATH}?OrganizationId=0&Keyword=%E9%97%A8%E5%BA%97&IsContainSubLevel=True`, "latin1"),
  "lower-case percent-encoded": Buffer.from(`${PATH}?OrganizationId=0&Keyword=%e9%97%a8%e5%ba%97&IsContainSubLevel=True`, "latin1"),
};

describe("signing matrix over a real socket", () => {
  const cases = Object.keys(signers).flatMap((signer) => Object.keys(targets).map((target) => [signer, target] as const));
  it.each(cases)("%s verifies a %s Keyword=门店 and the handler sees 门店", async (signer, target) => {
    const answer = await rawGet(targets[target]!, signers[signer]!());
    expect(answer.status).toBe(200);
    expect(answer.env).toMatchObject({ StatusCode: 200 });
    expect(answer.env?.Data.List.map((d) => d.Name)).toEqual(["门店"]);
  });

  it("still refuses a raw UTF-8 request signed over another value", async () => {
    const wrong = COS.getAuthorization({ SecretId: h.alice.secretId, SecretKey: h.alice.secretKey, Method: "GET", Pathname: PATH, Query: { ...QUERY, Keyword: "仓库" } });
    expect((await rawGet(targets["raw UTF-8"]!, wrong)).env).toMatchObject({ StatusCode: 41602 });
  });
});

describe("connections", () => {
  it("serves several requests on one kept-alive connection", async () => {
    const auth = signers["COS.getAuthorization without Headers"]!();
    const request = Buffer.concat([Buffer.from("GET "), targets["raw UTF-8"]!, Buffer.from(` HTTP/1.1\r\nHost: h\r\nAuthorization: ${auth}\r\n\r\n`)]);
    const second = Buffer.concat([Buffer.from("GET "), targets["percent-encoded"]!, Buffer.from(` HTTP/1.1\r\nHost: h\r\nAuthorization: ${auth}\r\nConnection: close\r\n\r\n`)]);
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => socket.write(Buffer.concat([request, second])));
      const chunks: Buffer[] = [];
      socket.on("data", (chunk: Buffer) => chunks.push(chunk));
      socket.on("error", reject);
      socket.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
    });
    expect(text.match(/"StatusCode":200/g)).toHaveLength(2);
  });

  it("a connection that never sends does not keep the server from closing", async () => {
    const other = await createHarness(testDb.database);
    await other.app.listen({ port: 0, host: "127.0.0.1" });
    const socket = connect((other.app.server.address() as AddressInfo).port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    const closed = new Promise((resolve) => socket.once("close", resolve));
    await other.app.close();
    await closed;
  });
});

describe("percentEncodeRequestLine", () => {
  it("encodes only the request line's bytes ≥ 0x80 and keeps the rest of the chunk", () => {
    const chunk = Buffer.concat([Buffer.from("GET /a?N=门 HTTP/1.1\r\nX: ", "utf8"), Buffer.from([0xe9, 0x97, 0xa8]), Buffer.from("\r\n\r\n")]);
    expect(percentEncodeRequestLine(chunk).toString("latin1")).toBe("GET /a?N=%E9%97%A8 HTTP/1.1\r\nX: \u00e9\u0097\u00a8\r\n\r\n");
    const ascii = Buffer.from("GET / HTTP/1.1\r\n\r\n");
    expect(percentEncodeRequestLine(ascii)).toBe(ascii);
  });
});
