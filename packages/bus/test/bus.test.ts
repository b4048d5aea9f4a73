import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { ANY_CLUSTER, Bus, BusError, BusHandlerError, answerPing, clusterOfSubject, defineEvent, defineRequest, deviceOnline, ping, subjectOf, type ClusterScope } from "@ivc/bus";

const silent = { warn: () => undefined, debug: () => undefined };
const run = `t${process.pid}${Date.now()}`;

const echo = defineRequest(
  "test.echo",
  (p: { clusterId: string }) => subjectOf(run, p.clusterId, "echo"),
  z.object({ text: z.string() }),
  z.object({ text: z.string(), length: z.number() }),
);
const noticed = defineEvent("test.noticed", subjectOf(run, "evt", "noticed"), z.object({ n: z.number().int() }));

describe("Bus against a real nats-server", () => {
  let nc: NatsConnection;
  let bus: Bus;
  beforeAll(async () => {
    const url = new URL(process.env.NATS_URL ?? "nats://127.0.0.1:4222");
    nc = await connect({ servers: `${url.hostname}:${url.port || 4222}` });
    bus = new Bus(nc, silent);
  });
  afterAll(async () => {
    await nc.drain();
  });

  it("request() gets the typed reply of the responder on the cluster-scoped subject", async () => {
    const sub = bus.reply(echo, { clusterId: "site-a" }, (req) => ({ text: req.text.toUpperCase(), length: req.text.length }));
    await nc.flush();
    await expect(bus.request(echo, { clusterId: "site-a" }, { text: "hello" })).resolves.toEqual({ text: "HELLO", length: 5 });
    sub.unsubscribe();
  });

  it("request() with nobody subscribed fails fast with kind no_responders", async () => {
    const err = await bus.request(echo, { clusterId: "nobody-home" }, { text: "x" }, { timeoutMs: 3000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusError);
    expect((err as BusError).kind).toBe("no_responders");
  });

  it("request() to a responder that never answers fails with kind timeout after timeoutMs", async () => {
    const sub = nc.subscribe(echo.subject({ clusterId: "slow" }), { callback: () => undefined });
    await nc.flush();
    const started = Date.now();
    const err = await bus.request(echo, { clusterId: "slow" }, { text: "x" }, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect((err as BusError).kind).toBe("timeout");
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    sub.unsubscribe();
  });

  it("a handler's BusHandlerError reaches the requester as a remote error with its code", async () => {
    const sub = bus.reply(echo, { clusterId: "refuses" }, () => {
      throw new BusHandlerError("device_offline", "device 34020000001320000001 is offline");
    });
    await nc.flush();
    const err = (await bus.request(echo, { clusterId: "refuses" }, { text: "x" }).catch((e: unknown) => e)) as BusError;
    expect(err.kind).toBe("remote");
    expect(err.remoteCode).toBe("device_offline");
    expect(err.message).toContain("offline");
    sub.unsubscribe();
  });

  it("a reply that breaks the schema is refused on both ends", async () => {
    const sub = bus.reply(echo, { clusterId: "drifts" }, () => ({ text: 42 }) as unknown as { text: string; length: number });
    await nc.flush();
    const err = (await bus.request(echo, { clusterId: "drifts" }, { text: "x" }).catch((e: unknown) => e)) as BusError;
    expect(err.kind).toBe("remote");
    expect(err.remoteCode).toBe("internal");
    sub.unsubscribe();
  });

  it("a malformed request is answered invalid_request, and the responder keeps serving", async () => {
    const sub = bus.reply(echo, { clusterId: "strict" }, (req) => ({ text: req.text, length: req.text.length }));
    await nc.flush();
    const raw = await nc.request(echo.subject({ clusterId: "strict" }), new TextEncoder().encode("{not json"), { timeout: 2000 });
    expect(JSON.parse(new TextDecoder().decode(raw.data))).toMatchObject({ ok: false, error: { code: "invalid_request" } });
    await expect(bus.request(echo, { clusterId: "strict" }, { text: "ok" })).resolves.toEqual({ text: "ok", length: 2 });
    sub.unsubscribe();
  });

  it("request() refuses a payload that breaks its own schema before sending", async () => {
    const err = (await bus.request(echo, { clusterId: "x" }, { text: 5 } as unknown as { text: string }).catch((e: unknown) => e)) as BusError;
    expect(err.kind).toBe("invalid_request");
  });

  it("publish() reaches every subscriber; malformed events are skipped, not delivered", async () => {
    const received: number[] = [];
    const sub = bus.subscribe(noticed, (e) => {
      received.push(e.n);
    });
    await nc.flush();
    nc.publish(noticed.subject, new TextEncoder().encode(JSON.stringify({ n: "not a number" })));
    bus.publish(noticed, { n: 1 });
    bus.publish(noticed, { n: 2 });
    await nc.flush();
    await expect.poll(() => received).toEqual([1, 2]);
    sub.unsubscribe();
  });

  it("publish() refuses an event that breaks the contract", () => {
    expect(() => bus.publish(deviceOnline, { deviceId: "123" } as never)).toThrow(BusError);
  });

  it("answerPing() answers the service's ping subject", async () => {
    const service = "edge-agent" as const;
    const sub = answerPing(bus, { service, instance: `test-${run}`, version: "9.9.9" });
    await nc.flush();
    const pong = await bus.request(ping, { service }, {});
    expect(pong).toMatchObject({ service, version: "9.9.9" });
    sub.unsubscribe();
  });
});

describe("subjectOf", () => {
  it("refuses tokens that would change the subject's shape", () => {
    expect(subjectOf("a-1", "sip", "invite")).toBe("ivc.a-1.sip.invite");
    for (const bad of ["a.b", "*", ">", "with space", ""]) expect(() => subjectOf(bad)).toThrow();
  });

  it("writes ANY_CLUSTER, and only it, as a wildcard", () => {
    expect(subjectOf(ANY_CLUSTER, "api", "x")).toBe("ivc.*.api.x");
    expect(clusterOfSubject("ivc.site-9.api.x")).toBe("site-9");
  });
});

describe("a responder for every cluster", () => {
  it("answers each site on its own subject and learns which site asked", async () => {
    const url = new URL(process.env.NATS_URL ?? "nats://127.0.0.1:4222");
    const nc = await connect({ servers: `${url.hostname}:${url.port || 4222}` });
    const bus = new Bus(nc, silent);
    const scoped = defineRequest("test.scoped", (p: { clusterId: ClusterScope }) => subjectOf(p.clusterId, run, "scoped"), z.object({}), z.object({ asker: z.string() }));
    const sub = bus.reply(scoped, { clusterId: ANY_CLUSTER }, (_req, meta) => ({ asker: clusterOfSubject(meta.subject) ?? "?" }));
    await nc.flush();
    await expect(bus.request(scoped, { clusterId: "site-a" }, {})).resolves.toEqual({ asker: "site-a" });
    await expect(bus.request(scoped, { clusterId: "site-b" }, {})).resolves.toEqual({ asker: "site-b" });
    sub.unsubscribe();
    await nc.drain();
  });
});
