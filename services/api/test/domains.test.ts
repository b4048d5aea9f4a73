import { randomUUID } from "node:crypto";
import { Bus, connectNats, domainCertificates } from "@ivc/bus";
import { createLogger } from "@ivc/runtime";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCertificate } from "../../../test/support/certificates.js";
import type { TestCertificate } from "../../../test/support/certificates.js";
import { startTestDnsServer } from "../../../test/support/dns-server.js";
import { startPrivateNats } from "../../../test/support/private-nats.js";
import type { TestDnsServer } from "../../../test/support/dns-server.js";
import type { IssuedKey } from "../src/accounts/keys.js";
import { answerDomainCertificates, certificatesOfNode } from "../src/bus/domain-certificates.js";
import { createDeviceEventHandlers } from "../src/bus/device-events.js";
import type { IcpChecker } from "../src/domains/icp.js";
import { indexSegment } from "../src/recordings/segment-index.js";
import { ensureServiceNode } from "../src/store/service-nodes.js";
import { addGbChannel } from "./support/gb-channels.js";
import { createHarness, testNode } from "./support/harness.js";
import type { Envelope, Harness } from "./support/harness.js";
import { createTestDatabase } from "./support/pg.js";
import type { TestDatabase } from "./support/pg.js";

interface Domain {
  Id: string;
  PlayDomain: string;
  InternalDomain: string;
  HaveCert: number;
  ClusterId: string;
  ClusterName: string;
}

const CNAME = testNode.publicHost;
const MISSING = "00000000-0000-4000-8000-000000000000";
const silent = { warn: () => undefined };

let testDb: TestDatabase;
let h: Harness;
let dns: TestDnsServer;
/** A second node, so that alice can bind more than one domain (one per node). */
const otherNode = { ...testNode, id: randomUUID(), name: "二区", publicHost: "node2.media.example.net" };
let nodes = 0;

const icp: IcpChecker = {
  check: async (domain) => (domain.startsWith("filed.") ? "filed" : domain.startsWith("unfiled.") ? "not-filed" : "not-checked"),
};

const certs = new Map<string, TestCertificate>();
/** One certificate per name list, made once (openssl takes a while). */
function cert(...names: string[]): TestCertificate {
  const key = names.join(",");
  const made = certs.get(key) ?? makeCertificate(names);
  certs.set(key, made);
  return made;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  dns = await startTestDnsServer();
  h = await createHarness(testDb.database, { icp });
  await ensureServiceNode(testDb.database.db, otherNode);
});
afterAll(async () => {
  await h?.app.close();
  await dns?.close();
  await testDb?.drop();
});

/** A multipart/form-data body: strings as fields, `{ file }` as file parts named like the spec's example. */
function formBody(fields: Record<string, string | { file: string; filename?: string }>): { payload: string; headers: Record<string, string> } {
  const boundary = `----ivc${randomUUID()}`;
  const parts = Object.entries(fields).map(([name, value]) =>
    typeof value === "string"
      ? `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
      : `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${value.filename ?? `secret.${name.toLowerCase()}`}"\r\nContent-Type: application/octet-stream\r\n\r\n${value.file}\r\n`,
  );
  return { payload: `${parts.join("")}--${boundary}--\r\n`, headers: { "Content-Type": `multipart/form-data; boundary=${boundary}` } };
}

async function sendForm<T>(harness: Harness, key: IssuedKey, path: string, fields: Parameters<typeof formBody>[0]): Promise<Envelope<T>> {
  return (await harness.send(key, "POST", path, formBody(fields))).json<Envelope<T>>();
}

function addForm(domain: string, certificate: TestCertificate, clusterId = testNode.id, cname = CNAME) {
  return { PlayDomain: domain, InternalDomain: cname, ClusterId: clusterId, Key: { file: certificate.keyPem }, Cert: { file: certificate.certPem } };
}

const addDomain = (domain: string, certificate: TestCertificate, key = h.alice, clusterId = testNode.id, harness = h) =>
  sendForm<Domain & { Have_cert: number }>(harness, key, "/ivc/cms/domain/add", addForm(domain, certificate, clusterId, clusterId === otherNode.id ? otherNode.publicHost : CNAME));

/** A node of its own, so that a test binds a domain without meeting another test's. */
async function freshNode(): Promise<string> {
  const id = randomUUID();
  await ensureServiceNode(testDb.database.db, { ...testNode, id, name: `节点${++nodes}` });
  return id;
}

const deleteDomain = (id: string, key = h.alice) => h.call<null>(key, "DELETE", `/ivc/cms/domain/delete?Id=${id}`);
const queryDomains = (key = h.alice) => h.call<Domain[]>(key, "GET", "/ivc/cms/domain/query");

describe("domain/cname and domain/record", () => {
  it("answers the node's public host name as its CNAME", async () => {
    const { env } = await h.call<string>(h.alice, "GET", `/ivc/cms/domain/cname?ClusterId=${testNode.id}`);
    expect(env).toMatchObject({ StatusCode: 200, Data: CNAME });
    expect((await h.call(h.alice, "GET", `/ivc/cms/domain/cname?ClusterId=${MISSING}`)).env).toMatchObject({ StatusCode: 41610 });
    expect((await h.call(h.alice, "GET", "/ivc/cms/domain/cname?ClusterId=nope")).env).toMatchObject({ StatusCode: 41610 });
    expect((await h.call(h.alice, "GET", "/ivc/cms/domain/cname")).env).toMatchObject({ StatusCode: 41610, Data: expect.stringContaining("ClusterId") });
  });

  it("answers what the ICP checker knows: true only for a filed domain, false when not filed or not checked", async () => {
    const record = (domain: string) => h.call<boolean>(h.alice, "POST", "/ivc/cms/domain/record", { PlayDomain: domain, InternalDomain: CNAME });
    expect((await record("filed.example.com")).env).toMatchObject({ StatusCode: 200, Data: true });
    expect((await record("unfiled.example.com")).env).toMatchObject({ StatusCode: 200, Data: false });
    expect((await record("other.example.com")).env).toMatchObject({ StatusCode: 200, Data: false });
    expect((await record("not a domain")).env).toMatchObject({ StatusCode: 40005, Data: expect.stringContaining("PlayDomain") });
  });
});

describe("domain/add", () => {
  it("binds a domain from a multipart form, seals the key at rest and never returns it", async () => {
    const clusterId = await freshNode();
    const certificate = cert("play.add.example.com");
    const noticesBefore = h.domainChanges.notices.length;
    const res = await h.send(h.alice, "POST", "/ivc/cms/domain/add", formBody(addForm("Play.Add.Example.com", certificate, clusterId)));
    const env = res.json<Envelope<Domain & { Have_cert: number; Status: number }>>();
    expect(env).toMatchObject({
      StatusCode: 200,
      Data: { PlayDomain: "play.add.example.com", InternalDomain: CNAME, HaveCert: 1, Have_cert: 1, Status: 1, ClusterId: clusterId, ClusterName: `节点${nodes}` },
    });
    expect(res.body).not.toContain("PRIVATE KEY");
    expect(h.domainChanges.notices.slice(noticesBefore)).toEqual([{ clusterId, playDomain: "play.add.example.com", change: "added" }]);

    const stored = (await testDb.database.db.execute(sql`select key_enc, cert_pem from domains where id = ${env.Data.Id}`)) as unknown as { rows: Array<{ key_enc: string; cert_pem: string }> };
    const row = stored.rows[0];
    expect(row?.key_enc.startsWith("v1:")).toBe(true);
    expect(row?.key_enc).not.toContain("PRIVATE");
    expect(h.box.open(row?.key_enc ?? "")).toContain("-----BEGIN PRIVATE KEY-----");
    expect(row?.cert_pem).toContain("-----BEGIN CERTIFICATE-----");

    const listed = await queryDomains();
    expect(listed.res.body).not.toContain("PRIVATE KEY");
    expect(listed.env.Data).toContainEqual({ Id: env.Data.Id, PlayDomain: "play.add.example.com", InternalDomain: CNAME, HaveCert: 1, ClusterId: clusterId, ClusterName: `节点${nodes}` });
  });

  it("accepts JSON with the PEM texts, the §5.6 Cret spelling and wildcard certificates", async () => {
    const wildcard = cert("*.wild.example.com");
    const json = { ...addForm("a.wild.example.com", wildcard, await freshNode()), Key: wildcard.keyPem, Cert: undefined, Cret: wildcard.certPem };
    expect((await h.call<Domain>(h.alice, "POST", "/ivc/cms/domain/add", json)).env).toMatchObject({ StatusCode: 200, Data: { PlayDomain: "a.wild.example.com" } });
    // A wildcard covers one label only (RFC 6125).
    expect(await addDomain("a.b.wild.example.com", wildcard, h.alice, await freshNode())).toMatchObject({ StatusCode: 41619, Data: expect.stringContaining("*.wild.example.com") });
  });

  it("refuses certificates it cannot read (41620) and ones that do not fit the key or the domain (41619)", async () => {
    const clusterId = await freshNode();
    const good = cert("fit.example.com");
    const other = cert("other.example.com");
    const add = (fields: Partial<Record<"Key" | "Cert", { file: string }>>) => sendForm(h, h.alice, "/ivc/cms/domain/add", { ...addForm("fit.example.com", good, clusterId), ...fields });
    expect(await add({ Cert: { file: "not a certificate" } })).toMatchObject({ StatusCode: 41620, Data: expect.stringContaining("Cert holds no PEM certificate") });
    const broken = good.certPem.replace(/(-----BEGIN CERTIFICATE-----\n)(.{20})/, "$1AAAAAAAAAAAAAAAAAAAA");
    expect(await add({ Cert: { file: broken } })).toMatchObject({ StatusCode: 41620, Data: expect.stringContaining("not a readable X.509") });
    expect(await add({ Key: { file: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" } })).toMatchObject({ StatusCode: 41620, Data: expect.stringContaining("Key") });
    expect(await add({ Key: { file: other.keyPem } })).toMatchObject({ StatusCode: 41619, Data: expect.stringContaining("Key is not the private key") });
    expect(await add({ Cert: { file: other.certPem }, Key: { file: other.keyPem } })).toMatchObject({ StatusCode: 41619, Data: expect.stringContaining("other.example.com, not fit.example.com") });
    expect(await add({ Cert: { file: "\u00ff\u00fe binary" } })).toMatchObject({ StatusCode: 41620 });
    expect((await queryDomains()).env.Data.map((d) => d.ClusterId)).not.toContain(clusterId);
  });

  it("refuses an expired certificate and one not yet valid, saying when", async () => {
    const later = await createHarness(testDb.database, { now: () => new Date(Date.now() + 40 * 86_400_000) });
    const earlier = await createHarness(testDb.database, { now: () => new Date(Date.now() - 86_400_000) });
    try {
      const certificate = cert("dated.example.com");
      expect(await addDomain("dated.example.com", certificate, later.alice, testNode.id, later)).toMatchObject({ StatusCode: 41620, Data: expect.stringMatching(/expired on \d{4}-/) });
      expect(await addDomain("dated.example.com", certificate, earlier.alice, testNode.id, earlier)).toMatchObject({ StatusCode: 41620, Data: expect.stringMatching(/not valid before \d{4}-/) });
    } finally {
      await later.app.close();
      await earlier.app.close();
    }
  });

  it("binds a domain once across accounts and one domain per node and account (41618)", async () => {
    const clusterId = await freshNode();
    expect(await addDomain("once.example.com", cert("once.example.com"), h.alice, clusterId)).toMatchObject({ StatusCode: 200 });
    expect(await addDomain("once.example.com", cert("once.example.com"), h.bob, clusterId)).toMatchObject({ StatusCode: 41618, Data: expect.stringContaining("once.example.com") });
    expect(await addDomain("twice.example.com", cert("twice.example.com"), h.alice, clusterId)).toMatchObject({ StatusCode: 41618, Data: expect.stringContaining(clusterId) });
    // bob binds his own domain on the same node.
    expect(await addDomain("bob.example.com", cert("bob.example.com"), h.bob, clusterId)).toMatchObject({ StatusCode: 200 });
  });

  it("refuses an unknown node (41610), a foreign CNAME (40001), a missing certificate (40001) and an unfiled domain (41609)", async () => {
    const certificate = cert("filed.example.com", "unfiled.example.com");
    expect(await addDomain("filed.example.com", certificate, h.alice, MISSING)).toMatchObject({ StatusCode: 41610 });
    expect(await sendForm(h, h.alice, "/ivc/cms/domain/add", addForm("filed.example.com", certificate, testNode.id, "elsewhere.example.net"))).toMatchObject({
      StatusCode: 40001,
      Data: expect.stringContaining(`InternalDomain must be the CNAME of ClusterId ${testNode.id}: ${CNAME}`),
    });
    const { Cert: _cert, ...withoutCert } = addForm("filed.example.com", certificate);
    expect(await sendForm(h, h.alice, "/ivc/cms/domain/add", withoutCert)).toMatchObject({ StatusCode: 40001, Data: expect.stringContaining("Cert is required") });
    expect(await sendForm(h, h.alice, "/ivc/cms/domain/add", { ...withoutCert, Key: "x" })).toMatchObject({ StatusCode: 40001 });
    expect(await addDomain("unfiled.example.com", certificate, h.alice, await freshNode())).toMatchObject({ StatusCode: 41609 });
  });

  it("answers malformed or oversized multipart bodies with 40001, takes PEM texts as plain fields, and JSON-only routes keep refusing forms", async () => {
    const bad = await h.send(h.alice, "POST", "/ivc/cms/domain/add", { payload: "--x\r\nnonsense", headers: { "Content-Type": "multipart/form-data; boundary=x" } });
    expect(bad.json()).toMatchObject({ StatusCode: 40001, Data: "the multipart/form-data body is malformed" });
    const huge = formBody({ ...addForm("big.example.com", cert("big.example.com")), Cert: { file: "A".repeat(70_000) } });
    expect((await h.send(h.alice, "POST", "/ivc/cms/domain/add", huge)).json()).toMatchObject({ StatusCode: 40001, Data: expect.stringContaining("exceeds 65536 bytes") });
    const hugeField = formBody({ ...addForm("big.example.com", cert("big.example.com")), Cert: "A".repeat(70_000) });
    expect((await h.send(h.alice, "POST", "/ivc/cms/domain/add", hugeField)).json()).toMatchObject({ StatusCode: 40001, Data: "a field of the form exceeds 65536 bytes" });
    const textFields = formBody({ ...addForm("text.example.com", cert("text.example.com"), await freshNode()), Key: cert("text.example.com").keyPem, Cert: cert("text.example.com").certPem });
    expect((await h.send(h.alice, "POST", "/ivc/cms/domain/add", textFields)).json()).toMatchObject({ StatusCode: 200 });
    const organization = await h.send(h.alice, "POST", "/ivc/cms/organization/add", formBody({ Name: "x", ParentId: "0" }));
    expect(organization.json()).toMatchObject({ StatusCode: 40001 });
  });
});

describe("the CNAME check (DOMAIN_CNAME_CHECK)", () => {
  let checked: Harness;
  beforeAll(async () => {
    checked = await createHarness(testDb.database, { resolveCname: (name) => dns.resolver.resolveCname(name) });
    dns.records.set("pointed.example.com", CNAME);
    dns.records.set("astray.example.com", "cdn.elsewhere.net");
  });
  afterAll(() => checked.app.close());

  it("binds a domain whose DNS CNAME is the node's, and refuses one pointing elsewhere or missing (41606)", async () => {
    const add = (domain: string) => addDomain(domain, cert(domain), checked.alice, testNode.id, checked);
    expect(await add("astray.example.com")).toMatchObject({ StatusCode: 41606, Data: "astray.example.com is a CNAME of cdn.elsewhere.net, not of node1.media.example.net" });
    expect(await add("absent.example.com")).toMatchObject({ StatusCode: 41606, Data: expect.stringContaining("DNS has no CNAME record for absent.example.com (ENOTFOUND)") });
    expect(await add("pointed.example.com")).toMatchObject({ StatusCode: 200, Data: { PlayDomain: "pointed.example.com" } });
  });
});

describe("domain/update and domain/delete", () => {
  it("replaces the certificate (Cret as §5.6 spells it), only of the account's own domain", async () => {
    const clusterId = await freshNode();
    const first = makeCertificate(["swap.example.com"]);
    const second = makeCertificate(["swap.example.com"], { key: "rsa" });
    const added = await addDomain("swap.example.com", first, h.alice, clusterId);
    const update = (id: string, c: TestCertificate, key = h.alice) => sendForm<null>(h, key, "/ivc/cms/domain/update", { Id: id, Key: { file: c.keyPem }, Cret: { file: c.certPem } });
    expect(await update(added.Data.Id, second, h.bob)).toMatchObject({ StatusCode: 40006 });
    expect(await update(added.Data.Id, cert("other.example.com"))).toMatchObject({ StatusCode: 41619 });
    expect(await sendForm(h, h.alice, "/ivc/cms/domain/update", { Id: added.Data.Id, Key: { file: second.keyPem }, Cret: { file: first.certPem } })).toMatchObject({ StatusCode: 41619 });
    expect(await update(MISSING, second)).toMatchObject({ StatusCode: 40006 });
    const before = h.domainChanges.notices.length;
    expect(await update(added.Data.Id, second)).toMatchObject({ StatusCode: 200, Data: null });
    expect(h.domainChanges.notices.slice(before)).toEqual([{ clusterId, playDomain: "swap.example.com", change: "updated" }]);
    const served = await certificatesOfNode(testDb.database.db, h.box, clusterId, silent);
    expect(served.domains).toEqual([{ playDomain: "swap.example.com", certPem: expect.stringContaining("BEGIN CERTIFICATE"), keyPem: expect.stringContaining("BEGIN PRIVATE KEY") }]);
    expect(served.domains[0]?.certPem.replace(/\s/g, "")).toBe(second.certPem.replace(/\s/g, ""));
  });

  it("deletes only the account's own domain, wipes its key and stops serving it", async () => {
    const clusterId = await freshNode();
    const added = await addDomain("gone.example.com", cert("gone.example.com"), h.alice, clusterId);
    expect((await deleteDomain(added.Data.Id, h.bob)).env).toMatchObject({ StatusCode: 40006 });
    expect((await queryDomains(h.bob)).env.Data.map((d) => d.Id)).not.toContain(added.Data.Id);
    const before = h.domainChanges.notices.length;
    expect((await deleteDomain(added.Data.Id)).env).toMatchObject({ StatusCode: 200, Data: null });
    expect(h.domainChanges.notices.slice(before)).toEqual([{ clusterId, playDomain: "gone.example.com", change: "deleted" }]);
    expect((await deleteDomain(added.Data.Id)).env).toMatchObject({ StatusCode: 40006 });
    expect((await deleteDomain("nope")).env).toMatchObject({ StatusCode: 40005, Data: expect.stringContaining("Id") });
    expect((await queryDomains()).env.Data.map((d) => d.Id)).not.toContain(added.Data.Id);
    expect((await certificatesOfNode(testDb.database.db, h.box, clusterId, silent)).domains).toEqual([]);
    const stored = (await testDb.database.db.execute(sql`select key_enc, cert_pem from domains where id = ${added.Data.Id}`)) as unknown as { rows: Array<{ key_enc: string; cert_pem: string }> };
    expect(stored.rows).toEqual([{ key_enc: "", cert_pem: "" }]);
    // The domain can be bound again, by anyone.
    expect(await addDomain("gone.example.com", cert("gone.example.com"), h.bob, clusterId)).toMatchObject({ StatusCode: 200 });
  });
});

describe("api.domain.certificates", () => {
  it("answers a relay with the opened keys of its own node's live domains only", async () => {
    const logger = createLogger("api-test", "silent");
    const nats = await startPrivateNats(logger);
    const nc = await connectNats({ url: nats.url, name: "api-domains-test", logger });
    const bus = new Bus(nc, logger);
    const answering = answerDomainCertificates(bus, testDb.database.db, h.box, silent, "api");
    try {
      const clusterId = await freshNode();
      const certificate = cert("relay.example.com");
      await addDomain("relay.example.com", certificate, h.alice, clusterId);
      const reply = await bus.request(domainCertificates, { clusterId }, {}, { timeoutMs: 3000 });
      expect(reply.domains).toHaveLength(1);
      expect(reply.domains[0]).toMatchObject({ playDomain: "relay.example.com" });
      expect(reply.domains[0]?.keyPem.replace(/\s/g, "")).toBe(certificate.keyPem.replace(/\s/g, ""));
      expect((await bus.request(domainCertificates, { clusterId: await freshNode() }, {}, { timeoutMs: 3000 })).domains).toEqual([]);
    } finally {
      answering.unsubscribe();
      await nc.close();
      await nats.stop();
    }
  });
});

describe("stream URLs on a node with a play domain", () => {
  it("are https://<domain>:<MEDIA_HTTPS_PORT> for the binding account, refused after domain/delete (41623), plain for others", async () => {
    const events = createDeviceEventHandlers(testDb.database.db);
    const aliceChannel = await addGbChannel(h, events, { clusterId: otherNode.id });
    const bobChannel = await addGbChannel(h, events, { key: h.bob, clusterId: otherNode.id });
    const stream = (channelId: string, key = h.alice) => h.call<{ Flv: string; Hls: string }>(key, "POST", "/ivc/cms/control/stream", { ChannelId: channelId });
    const record = (channelId: string) => {
      const now = Math.floor(Date.now() / 1000);
      return h.call<{ Flv: string }>(h.alice, "POST", "/ivc/cms/control/record", { ChannelId: channelId, Start: now - 600, End: now - 60 });
    };
    const plain = `http://${otherNode.mediaHost}:${otherNode.mediaHttpPort}/`;
    expect((await stream(aliceChannel.channelId)).env.Data.Flv.startsWith(plain)).toBe(true);

    const added = await addDomain("live.example.com", cert("live.example.com"), h.alice, otherNode.id);
    expect(added).toMatchObject({ StatusCode: 200 });
    const urls = (await stream(aliceChannel.channelId)).env.Data;
    expect(urls.Flv.startsWith(`https://live.example.com:${otherNode.mediaHttpsPort}/live/`)).toBe(true);
    expect(urls.Hls.startsWith(`https://live.example.com:${otherNode.mediaHttpsPort}/hls/`)).toBe(true);
    expect((await record(aliceChannel.channelId)).env.Data.Flv.startsWith("https://live.example.com:8443/live/")).toBe(true);
    expect((await stream(bobChannel.channelId, h.bob)).env.Data.Flv.startsWith(plain)).toBe(true);
    // Cloud playback and download URLs go through the play domain too.
    const recordedAt = Math.floor(Date.now() / 1000) - 600;
    await indexSegment(testDb.database.db, otherNode.id, {
      deviceId: aliceChannel.deviceCode, channelId: aliceChannel.channelCode, planId: "p", startMs: recordedAt * 1000, endMs: (recordedAt + 4) * 1000,
      bytes: 1, storage: "disk", objectKey: `${aliceChannel.deviceCode}/${aliceChannel.channelCode}/domain-test.ts`, transitionDays: 1, expirationDays: 0,
    });
    const cloudPlayback = () => h.call<{ Hls: string }>(h.alice, "GET", `/ivc/record/playback/url?ChannelId=${aliceChannel.channelId}&StartTime=${recordedAt}&EndTime=${recordedAt + 4}`);
    const cloudDownload = () =>
      h.call<{ Url: string }>(h.alice, "POST", "/ivc/vds/VideoDownloadUrl", { ChannelId: aliceChannel.channelId, BeginTime: String(recordedAt), EndTime: String(recordedAt + 4), FileType: "mp4" });
    expect((await cloudPlayback()).env.Data.Hls.startsWith("https://live.example.com:8443/record/")).toBe(true);
    expect((await cloudDownload()).env.Data.Url.startsWith("https://live.example.com:8443/video.mp4?source=")).toBe(true);

    await deleteDomain(added.Data.Id);
    expect((await stream(aliceChannel.channelId)).env).toMatchObject({ StatusCode: 41623, Data: expect.stringContaining("live.example.com") });
    expect((await record(aliceChannel.channelId)).env).toMatchObject({ StatusCode: 41623 });
    expect((await cloudPlayback()).env).toMatchObject({ StatusCode: 41623 });
    expect((await cloudDownload()).env).toMatchObject({ StatusCode: 41623 });
    expect((await stream(bobChannel.channelId, h.bob)).env.Data.Flv.startsWith(plain)).toBe(true);

    // "please resubmit the domain": a new one brings the URLs back.
    expect(await addDomain("relive.example.com", cert("relive.example.com"), h.alice, otherNode.id)).toMatchObject({ StatusCode: 200 });
    expect((await stream(aliceChannel.channelId)).env.Data.Flv.startsWith("https://relive.example.com:8443/")).toBe(true);
  });
});
