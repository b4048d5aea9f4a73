import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleDistDir, registerConsoleFiles } from "../src/http/console-files.js";

// The web console's static files on the API's port (src/http/console-files.ts).

let dir: string;
let secretDir: string;
const app = Fastify();
const empty = Fastify();

beforeAll(async () => {
  const base = await mkdtemp(join(tmpdir(), "ivc-console-files-"));
  dir = join(base, "dist");
  secretDir = join(base, "secret");
  await mkdir(join(dir, "assets"), { recursive: true });
  await mkdir(secretDir);
  await writeFile(join(dir, "index.html"), "<!doctype html><div id=app></div>");
  await writeFile(join(dir, "assets", "index-abc.js"), "console.log(1)");
  await writeFile(join(secretDir, "key.txt"), "do not serve");
  registerConsoleFiles(app, dir);
  registerConsoleFiles(empty, join(base, "not-built"));
});
afterAll(async () => {
  await app.close();
  await empty.close();
  await rm(join(dir, ".."), { recursive: true, force: true });
});

describe("console files", () => {
  it("serves index.html at /console/ (fresh each time) and hashed assets as immutable, with a CSP", async () => {
    const index = await app.inject({ url: "/console/" });
    expect(index.statusCode).toBe(200);
    expect(index.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(index.headers["cache-control"]).toBe("no-cache");
    expect(index.headers["content-security-policy"]).toContain("default-src 'self'");
    const asset = await app.inject({ url: "/console/assets/index-abc.js" });
    expect(asset.body).toBe("console.log(1)");
    expect(asset.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(asset.headers["cache-control"]).toContain("immutable");
  });

  it("redirects /console to /console/", async () => {
    const res = await app.inject({ url: "/console" });
    expect(res.statusCode).toBe(301);
    expect(res.headers.location).toBe("/console/");
  });

  it("never leaves the build folder", async () => {
    for (const url of ["/console/../secret/key.txt", "/console/..%2fsecret%2fkey.txt", "/console/%2e%2e/secret/key.txt", "/console/assets/../../secret/key.txt"]) {
      const res = await app.inject({ url });
      expect(res.body, url).not.toContain("do not serve");
    }
    expect((await app.inject({ url: "/console/nope.js" })).statusCode).toBe(404);
  });

  it("says how to build it when there is no build", async () => {
    const res = await empty.inject({ url: "/console/" });
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain("npm run build -w @ivc/console");
  });

  it("finds the console workspace's build folder", () => {
    expect(consoleDistDir()).toMatch(/packages[/\\]console[/\\]dist$/);
  });
});
