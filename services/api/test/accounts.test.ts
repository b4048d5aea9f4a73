import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../src/accounts/accounts.js";
import { createKey, findVerificationKey, listKeys, revokeKey, seedKey } from "../src/accounts/keys.js";
import { loadMasterKey } from "../src/accounts/master-key.js";
import { createSecretBox } from "../src/accounts/secret-box.js";
import { parseArgs } from "../src/cli/args.js";
import { runCommand } from "../src/cli/commands.js";
import { createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";

let testDb: TestDatabase;
let dir: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "ivc-keys-"));
});
afterAll(async () => {
  await testDb?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("secret box", () => {
  it("round-trips a secret and refuses a tampered or foreign ciphertext", () => {
    const box = createSecretBox(randomBytes(32));
    const sealed = box.seal("gg2ZVZrvzxTwNUvYV7q5DqPgSxEXAMPLE");
    expect(sealed).not.toContain("gg2ZVZ");
    expect(box.open(sealed)).toBe("gg2ZVZrvzxTwNUvYV7q5DqPgSxEXAMPLE");
    const bytes = Buffer.from(sealed.slice(3), "base64");
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    expect(box.open(`v1:${bytes.toString("base64")}`)).toBeUndefined();
    expect(createSecretBox(randomBytes(32)).open(sealed)).toBeUndefined();
    expect(box.open("garbage")).toBeUndefined();
  });
});

describe("master key", () => {
  it("is created once with mode 0600 and read back on the next start", async () => {
    const file = join(dir, "var", "master.key");
    const first = await loadMasterKey(undefined, file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await loadMasterKey(undefined, file)).equals(first)).toBe(true);
  });

  it("prefers IVC_MASTER_KEY and refuses a malformed one", async () => {
    const hex = "ab".repeat(32);
    expect((await loadMasterKey(hex, join(dir, "unused.key"))).toString("hex")).toBe(hex);
    await expect(loadMasterKey("short", join(dir, "unused.key"))).rejects.toThrow(/IVC_MASTER_KEY/);
  });

  it("refuses a key file that does not hold 32 bytes", async () => {
    const file = join(dir, "bad.key");
    await writeFile(file, "nope\n");
    await expect(loadMasterKey(undefined, file)).rejects.toThrow(/32-byte/);
    expect(await readFile(file, "utf8")).toBe("nope\n");
  });
});

describe("keys at rest", () => {
  it("stores the secret encrypted, never in clear", async () => {
    const box = createSecretBox(randomBytes(32));
    const account = await createAccount(testDb.database.db, "rest");
    const key = await createKey({ db: testDb.database.db, box }, account.appId);
    const result = (await testDb.database.db.execute(sql`select secret_key_enc from api_keys where secret_id = ${key.secretId}`)) as {
      rows: Array<{ secret_key_enc: string }>;
    };
    const stored = String(result.rows[0]?.secret_key_enc);
    expect(stored).not.toContain(key.secretKey);
    expect((await findVerificationKey({ db: testDb.database.db, box }, key.secretId))?.secretKey).toBe(key.secretKey);
  });

  it("seeds IVC_SECRET_ID/IVC_SECRET_KEY once, creating the account", async () => {
    const deps = { db: testDb.database.db, box: createSecretBox(randomBytes(32)) };
    expect(await seedKey(deps, "1250000000", "AKIDseeded", "seeded-secret")).toBe(true);
    expect(await seedKey(deps, "1250000000", "AKIDseeded", "other")).toBe(false);
    expect((await findVerificationKey(deps, "AKIDseeded"))?.secretKey).toBe("seeded-secret");
    expect((await listKeys(testDb.database.db, "1250000000")).map((k) => k.secretId)).toEqual(["AKIDseeded"]);
    expect(await revokeKey(testDb.database.db, "AKIDseeded")).toBe(true);
    expect(await revokeKey(testDb.database.db, "AKIDseeded")).toBe(false);
  });
});

describe("ivc CLI commands", () => {
  const deps = () => ({ db: testDb.database.db, box: createSecretBox(Buffer.alloc(32, 7)) });
  const run = async (...argv: string[]) => {
    const args = parseArgs(argv);
    if (!args.ok) throw new Error(args.reason);
    return runCommand(deps(), args.value);
  };

  it("creates an account and a key, lists the key without its secret, and revokes it", async () => {
    const account = await run("accounts", "create", "--name", "shop", "--app-id", "1300000001");
    expect(account).toEqual({ ok: true, lines: ['{"AppId":"1300000001","Name":"shop"}'] });
    const created = await run("keys", "create", "--app-id", "1300000001");
    if (!created.ok) throw new Error(created.reason);
    const key = JSON.parse(created.lines[0] ?? "") as { SecretId: string; SecretKey: string };
    expect(key.SecretId).toMatch(/^AKID[A-Za-z0-9]{32}$/);
    expect(key.SecretKey).toMatch(/^[A-Za-z0-9]{32}$/);
    const listed = await run("keys", "list", "--app-id", "1300000001");
    expect(listed.ok && listed.lines.join("\n")).toContain(key.SecretId);
    expect(listed.ok && listed.lines.join("\n")).not.toContain(key.SecretKey);
    expect(await run("keys", "revoke", key.SecretId)).toEqual({ ok: true, lines: [`revoked ${key.SecretId}`] });
    expect(await findVerificationKey(deps(), key.SecretId)).toBeUndefined();
  });

  it("issues temporary credentials with a token and an expiry", async () => {
    await run("accounts", "create", "--app-id", "1300000002");
    const result = await run("keys", "temp", "--app-id", "1300000002", "--ttl", "120");
    if (!result.ok) throw new Error(result.reason);
    const temp = JSON.parse(result.lines[0] ?? "") as { TmpSecretId: string; SecurityToken: string; ExpiredTime: number };
    expect(temp.SecurityToken).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(temp.ExpiredTime - Date.now() / 1000).toBeGreaterThan(100);
    expect((await findVerificationKey(deps(), temp.TmpSecretId))?.sessionTokenHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    [["keys", "create"], /--app-id/],
    [["keys", "create", "--app-id", "999999999"], /no account/],
    [["accounts", "create", "--app-id", "1300000001"], /already exists/],
    [["keys", "temp", "--app-id", "1300000002", "--ttl", "0"], /positive/],
    [["keys", "revoke", "AKIDnothing"], /no live key/],
    [["keys", "frobnicate"], /unknown command/],
  ])("reports %j as an operator error", async (argv, reason) => {
    const result = await run(...argv);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it("parses flags in both --flag value and --flag=value forms", () => {
    const parsed = parseArgs(["keys", "list", "--app-id=12", "--x", "y"]);
    expect(parsed.ok && [...parsed.value.flags]).toEqual([
      ["app-id", "12"],
      ["x", "y"],
    ]);
    expect(parseArgs(["keys"]).ok).toBe(false);
    expect(parseArgs(["keys", "create", "--app-id"]).ok).toBe(false);
  });
});

describe("key cache", () => {
  it("serves a found key from memory until its TTL, and never remembers unknown ids", async () => {
    const { cachedKeyLookup } = await import("../src/accounts/key-cache.js");
    let clock = 0;
    const calls: string[] = [];
    const key = { appId: "1", secretKey: "s", sessionTokenHash: null, expiresAt: null };
    const lookup = cachedKeyLookup(
      async (id) => {
        calls.push(id);
        return id === "known" ? key : undefined;
      },
      { ttlMs: 1000, maxEntries: 2, now: () => clock },
    );
    expect(await lookup("known")).toBe(key);
    expect(await lookup("known")).toBe(key);
    expect(await lookup("nobody")).toBeUndefined();
    expect(await lookup("nobody")).toBeUndefined();
    clock = 1001;
    await lookup("known");
    expect(calls).toEqual(["known", "nobody", "nobody", "known"]);
  });
});
