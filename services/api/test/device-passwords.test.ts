import { randomBytes, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Bus, connectNats, deviceCredentials } from "@ivc/bus";
import { createLogger } from "@ivc/runtime";
import { buildDigestAuthorization, createDigestChallenge, parseDigestCredentials, verifyDigest } from "@ivc/sip";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSecretBox } from "../src/accounts/secret-box.js";
import { subscribeDeviceEvents } from "../src/bus/subscriptions.js";
import { MIGRATIONS_DIR, migrate } from "../src/db/migrate.js";
import { openDatabase } from "../src/db/open.js";
import { describeDevice } from "../src/store/devices.js";
import { createHarness, testNode } from "./support/harness.js";
import type { Harness } from "./support/harness.js";
import { ADMIN_URL, createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";
import { startPrivateNats } from "../../../test/support/private-nats.js";
import type { PrivateNats } from "../../../test/support/private-nats.js";

// Issue 11: device passwords are sealed with the master key in the database; the account and the
// sip-server still get them in clear.

interface Device {
  Id: string;
  Code: string;
  Password: string;
}

let testDb: TestDatabase;
let h: Harness;
let nats: PrivateNats;
let nc: Awaited<ReturnType<typeof connectNats>>;
let bus: Bus;
let subscriptions: Array<{ unsubscribe(): void }>;
let organizationId: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  h = await createHarness(testDb.database);
  const logger = createLogger("api-test", "silent");
  nats = await startPrivateNats(logger);
  nc = await connectNats({ url: nats.url, name: "api-device-passwords-test", logger });
  bus = new Bus(nc, logger);
  subscriptions = subscribeDeviceEvents(bus, testDb.database.db, h.keyDeps.box);
  await nc.flush();
  organizationId = (await h.call<{ Id: string }>(h.alice, "POST", "/ivc/cms/organization/add", { Name: "门店", ParentId: "0" })).env.Data.Id;
});
afterAll(async () => {
  subscriptions?.forEach((s) => s.unsubscribe());
  await nc?.close();
  await nats?.stop();
  await h?.app.close();
  await testDb?.drop();
});

async function storedPassword(id: string): Promise<string> {
  const rows = await testDb.database.withRawSession((s) => s.rows("SELECT password_enc FROM devices WHERE id = $1", [id]));
  return String(rows[0]?.["password_enc"]);
}

async function addGb(password: string | undefined): Promise<Device> {
  const added = await h.call<Device>(h.alice, "POST", "/ivc/cms/device/add", {
    Name: "前门",
    AccessProtocol: 2,
    Type: 1,
    ...(password === undefined ? {} : { Password: password }),
    OrganizationId: organizationId,
    ClusterId: testNode.id,
  });
  expect(added.env.StatusCode, JSON.stringify(added.env)).toBe(200);
  return added.env.Data;
}

describe("device passwords at rest", () => {
  it("are sealed in the row, given or generated, while add, describe and the list answer them in clear", async () => {
    for (const given of ["admin123", undefined]) {
      const device = await addGb(given);
      const password = given ?? device.Password;
      expect(password).toMatch(/^[A-Za-z0-9]{2,63}$/);
      const stored = await storedPassword(device.Id);
      expect(stored).not.toContain(password);
      expect(h.keyDeps.box.open(stored)).toBe(password);
      expect((await h.call<Device>(h.alice, "GET", `/ivc/cms/device/describe?Id=${device.Id}`)).env.Data.Password).toBe(password);
      const list = await h.call<{ List: Device[] }>(h.alice, "GET", `/ivc/urm/resource/getUserResources?OrganizationId=${organizationId}&PageSize=1000`);
      expect(list.env.Data.List.find((d) => d.Id === device.Id)?.Password).toBe(password);
    }
  });

  it("stay sealed after an update, and an RTMP device keeps no password at all", async () => {
    const device = await addGb("first111");
    const updated = await h.call<Device>(h.alice, "PUT", "/ivc/cms/device/update", { Id: device.Id, Password: "second22" });
    expect(updated.env.Data.Password).toBe("second22");
    const stored = await storedPassword(device.Id);
    expect(stored).not.toContain("second22");
    expect(h.keyDeps.box.open(stored)).toBe("second22");
    const renamed = await h.call<Device>(h.alice, "PUT", "/ivc/cms/device/update", { Id: device.Id, Name: "后门" });
    expect(renamed.env.Data.Password).toBe("second22");
    const rtmp = await h.call<Device>(h.alice, "POST", "/ivc/cms/device/add", { Name: "推流", AccessProtocol: 1, Type: 1, OrganizationId: organizationId, ClusterId: testNode.id });
    expect(await storedPassword(rtmp.env.Data.Id)).toBe("");
  });

  it("reach the sip-server in clear over api.device.credentials, and a REGISTER digest made with the password verifies", async () => {
    const device = await addGb("reg12345");
    const reply = await bus.request(deviceCredentials, { clusterId: testNode.id }, { deviceId: device.Code }, { timeoutMs: 2000 });
    expect(reply).toMatchObject({ found: true, password: "reg12345" });
    if (!reply.found) throw new Error("not found");
    const realm = testNode.sipDomain;
    const challenge = createDigestChallenge({ realm, nonce: randomBytes(8).toString("hex") });
    const uri = `sip:${testNode.sipId}@${realm}`;
    const camera = buildDigestAuthorization({ challenge, username: device.Code, password: "reg12345", method: "REGISTER", uri });
    const credentials = parseDigestCredentials(camera ?? "");
    if (!credentials) throw new Error("no digest credentials");
    expect(verifyDigest(credentials, { method: "REGISTER", realm, password: reply.password })).toEqual({ ok: true });
    expect(verifyDigest(credentials, { method: "REGISTER", realm, password: "wrong999" })).toMatchObject({ ok: false });
  });
});

describe("the upgrade of a database with clear-text passwords (0005 and 0006)", () => {
  /** A database as the API before 0005 left it: migrations 0001–0004 and a GB device with a clear password. */
  async function databaseBefore0005(): Promise<{ url: string; deviceId: string; drop(): Promise<void> }> {
    const name = `ivc_test_upgrade_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(ADMIN_URL);
    url.pathname = `/${name}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    await client.query("CREATE TABLE ivc_schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
    for (const file of ["0001_init.sql", "0002_stream_auth.sql", "0003_gateways.sql", "0004_gateway_report_at.sql"]) {
      await client.query(await readFile(join(MIGRATIONS_DIR, file), "utf8"));
      await client.query("INSERT INTO ivc_schema_migrations (version) VALUES ($1)", [file]);
    }
    const deviceId = randomUUID();
    const n = testNode;
    await client.query("INSERT INTO accounts (app_id) VALUES ('1250000099')");
    await client.query(
      "INSERT INTO service_nodes (id, name, sip_id, sip_domain, sip_ip, sip_port, media_host, media_http_port, rtmp_port) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      [n.id, n.name, n.sipId, n.sipDomain, n.sipIp, n.sipPort, n.mediaHost, n.mediaHttpPort, n.rtmpPort],
    );
    const insert = "INSERT INTO devices (id, app_id, code, name, access_protocol, type, transport_protocol, password, organization_id, cluster_id) VALUES ($1, '1250000099', $2, 'cam', $3, 1, 1, $4, 0, $5)";
    await client.query(insert, [deviceId, "34020000001320000001", 2, "clear777", n.id]);
    await client.query(insert, [randomUUID(), "34020000001320000002", 1, "", n.id]);
    await client.end();
    return {
      url: url.toString(),
      deviceId,
      async drop() {
        const c = new pg.Client({ connectionString: ADMIN_URL });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }

  it("seals every clear password with the master key, once; without the key it refuses and changes nothing", async () => {
    const before = await databaseBefore0005();
    const box = createSecretBox(randomBytes(32));
    try {
      await expect(openDatabase(before.url)).rejects.toThrow(/1 device passwords are stored in clear text/);
      const database = await openDatabase(before.url, { box });
      try {
        const rows = await database.withRawSession((s) => s.rows("SELECT id, password_enc FROM devices ORDER BY code", []));
        expect(rows.map((r) => r["id"])[0]).toBe(before.deviceId);
        const sealed = String(rows[0]?.["password_enc"]);
        expect(sealed).not.toContain("clear777");
        expect(box.open(sealed)).toBe("clear777");
        expect(rows[1]?.["password_enc"]).toBe("");
        const described = await describeDevice(database.db, box, "1250000099", before.deviceId, undefined, 0);
        expect(described.ok && described.value.Password).toBe("clear777");
        expect(await migrate(database, { box })).toEqual([]);
        const again = await database.withRawSession((s) => s.rows("SELECT password_enc FROM devices WHERE id = $1", [before.deviceId]));
        expect(again[0]?.["password_enc"]).toBe(sealed);
      } finally {
        await database.close();
      }
    } finally {
      await before.drop();
    }
  });
});
