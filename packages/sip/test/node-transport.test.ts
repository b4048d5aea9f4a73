import { connect, type Socket } from "node:net";
import { createSocket } from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import {
  createNodeSipTransport,
  createRequest,
  createResponse,
  getHeader,
  serializeSipMessage,
  type NodeSipTransport,
  type SipMessage,
  type SipRemote,
} from "../src/index.js";

interface Received {
  message: SipMessage;
  remote: SipRemote;
}

function collector(transport: NodeSipTransport) {
  const received: Received[] = [];
  const waiters: Array<() => void> = [];
  transport.onMessage((message, remote) => {
    received.push({ message, remote });
    for (const wake of waiters.splice(0)) wake();
  });
  const waitFor = async (count: number): Promise<Received[]> => {
    const deadline = Date.now() + 5000;
    while (received.length < count) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} messages, got ${received.length}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return received;
  };
  return { received, waitFor };
}

function recordingLogger() {
  const warnings: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  return { warnings, logger: { warn: (obj: object, msg: string) => void warnings.push({ obj: obj as Record<string, unknown>, msg }), debug: () => undefined } };
}

function message(transport: "UDP" | "TCP", port: number, callId: string, body = "<Notify/>") {
  return createRequest({
    method: "MESSAGE",
    uri: "sip:34020000002000000001@3402000000",
    via: { protocol: "SIP/2.0", transport, host: "127.0.0.1", port, params: { rport: null, branch: `z9hG4bK${callId}` } },
    from: { uri: "sip:34020000001320000001@3402000000", params: { tag: "dev" } },
    to: { uri: "sip:34020000002000000001@3402000000", params: {} },
    callId,
    cseq: 1,
    body: Buffer.from(body),
    contentType: "Application/MANSCDP+xml",
  });
}

const opened: Array<{ close(): unknown }> = [];
async function transport(logger?: ReturnType<typeof recordingLogger>["logger"]) {
  const t = await createNodeSipTransport({ host: "127.0.0.1", port: 0, ...(logger ? { logger } : {}) });
  opened.push(t);
  return t;
}

function rawTcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => resolve(socket));
    socket.once("error", reject);
    opened.push({ close: () => socket.destroy() });
  });
}

afterEach(async () => {
  for (const t of opened.splice(0)) await t.close();
});

describe("createNodeSipTransport", () => {
  it("round-trips a request and its response over UDP", async () => {
    const server = await transport();
    const client = await transport();
    const atServer = collector(server);
    const atClient = collector(client);
    await client.send(message("UDP", client.port, "udp-1"), { protocol: "udp", address: "127.0.0.1", port: server.port });
    const [first] = await atServer.waitFor(1);
    expect(first?.remote).toEqual({ protocol: "udp", address: "127.0.0.1", port: client.port });
    expect(first?.message.body.toString()).toBe("<Notify/>");
    if (first?.message.kind !== "request") throw new Error("expected request");
    await server.send(createResponse(first.message, 200), first.remote);
    const [reply] = await atClient.waitFor(1);
    expect(reply?.message.kind === "response" && reply.message.status).toBe(200);
  });

  it("round-trips over TCP reusing the connection the request came on", async () => {
    const server = await transport();
    const client = await transport();
    const atServer = collector(server);
    const atClient = collector(client);
    await client.send(message("TCP", client.port, "tcp-1"), { protocol: "tcp", address: "127.0.0.1", port: server.port });
    const [first] = await atServer.waitFor(1);
    if (first?.message.kind !== "request") throw new Error("expected request");
    expect(first.remote.protocol).toBe("tcp");
    expect(first.remote.port).not.toBe(client.port);
    await server.send(createResponse(first.message, 200), first.remote);
    await atClient.waitFor(1);
    await client.send(message("TCP", client.port, "tcp-2"), { protocol: "tcp", address: "127.0.0.1", port: server.port });
    await atServer.waitFor(2);
    expect(atServer.received[1]?.remote).toEqual(first.remote);
    expect(server.connectionCount).toBe(1);
    expect(client.connectionCount).toBe(1);
  });

  it("delivers two messages written in one TCP write", async () => {
    const server = await transport();
    const atServer = collector(server);
    const socket = await rawTcp(server.port);
    socket.write(Buffer.concat([serializeSipMessage(message("TCP", 1, "a")), Buffer.from("\r\n\r\n"), serializeSipMessage(message("TCP", 1, "b"))]));
    const received = await atServer.waitFor(2);
    expect(received.map((r) => getHeader(r.message, "Call-ID"))).toEqual(["a", "b"]);
  });

  it("reassembles a message split over several writes", async () => {
    const server = await transport();
    const atServer = collector(server);
    const socket = await rawTcp(server.port);
    const bytes = serializeSipMessage(message("TCP", 1, "split", "<Notify><Name>split body</Name></Notify>"));
    for (const cut of [[0, 10], [10, 200], [200, bytes.length]] as const) {
      socket.write(bytes.subarray(cut[0], cut[1]));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const [only] = await atServer.waitFor(1);
    expect(only?.message.body.toString()).toBe("<Notify><Name>split body</Name></Notify>");
  });

  it("reports malformed datagrams with the peer, answers readable ones with 400, and keeps running", async () => {
    const { warnings, logger } = recordingLogger();
    const server = await transport(logger);
    const client = await transport();
    const atClient = collector(client);
    const atServer = collector(server);
    const udp = createSocket("udp4");
    opened.push({ close: () => udp.close() });
    await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));
    udp.send(Buffer.from("\x00\xffgarbage\r\n\r\n"), server.port, "127.0.0.1");

    const mismatched = serializeSipMessage(message("UDP", client.port, "bad")).toString().replace("CSeq: 1 MESSAGE", "CSeq: 1 INVITE");
    await client.send(Buffer.from(mismatched), { protocol: "udp", address: "127.0.0.1", port: server.port });
    const [reply] = await atClient.waitFor(1);
    expect(reply?.message.kind === "response" && reply.message.status).toBe(400);
    expect(warnings.map((w) => w.obj.reason)).toEqual(["malformed request line", "CSeq method INVITE does not match request method MESSAGE"]);
    expect(warnings[0]?.obj.peer).toBe(`127.0.0.1:${udp.address().port}`);

    await client.send(message("UDP", client.port, "good"), { protocol: "udp", address: "127.0.0.1", port: server.port });
    expect((await atServer.waitFor(1)).length).toBe(1);
  });

  it("survives a throwing handler", async () => {
    const { warnings, logger } = recordingLogger();
    const server = await transport(logger);
    const client = await transport();
    server.onMessage(() => {
      throw new Error("boom");
    });
    await client.send(message("UDP", client.port, "x"), { protocol: "udp", address: "127.0.0.1", port: server.port });
    const deadline = Date.now() + 3000;
    while (warnings.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(warnings[0]?.msg).toBe("SIP message handler threw");
  });

  it("closes a TCP connection whose header section exceeds the limit", async () => {
    const { warnings, logger } = recordingLogger();
    const server = await createNodeSipTransport({ host: "127.0.0.1", port: 0, logger, maxHeaderBytes: 512 });
    opened.push(server);
    const socket = await rawTcp(server.port);
    const closedPromise = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.write(`MESSAGE sip:a@b SIP/2.0\r\nX: ${"a".repeat(1000)}`);
    await closedPromise;
    expect(warnings[0]?.obj.reason).toBe("header section exceeds 512 bytes");
  });

  it("rejects sends to an unreachable TCP peer", async () => {
    const client = await transport();
    const probe = await transport();
    const port = probe.port;
    await probe.close();
    await expect(client.send(message("TCP", 1, "x"), { protocol: "tcp", address: "127.0.0.1", port })).rejects.toThrow();
  });
});

describe("flood limits", () => {
  it("drops UDP datagrams over the per-address rate before parsing, without touching other addresses", async () => {
    const server = await createNodeSipTransport({ host: "127.0.0.1", port: 0, maxDatagramsPerAddressPerSecond: 10 });
    opened.push(server);
    const atServer = collector(server);
    const send = async (address: string, count: number) => {
      const socket = createSocket("udp4");
      await new Promise<void>((resolve) => socket.bind(0, address, resolve));
      opened.push({ close: () => socket.close() });
      for (let i = 0; i < count; i++) socket.send(serializeSipMessage(message("UDP", 5060, `${address}-${i}`)), server.port, "127.0.0.1");
    };
    await send("127.0.0.2", 30);
    await send("127.0.0.3", 5);
    await atServer.waitFor(15);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const from = (address: string) => atServer.received.filter((r) => r.remote.address === address).length;
    expect(from("127.0.0.2")).toBe(10);
    expect(from("127.0.0.3")).toBe(5);
  });

  it("closes an untrusted TCP connection that completes no message in time, and keeps a trusted one", async () => {
    const server = await createNodeSipTransport({ host: "127.0.0.1", port: 0, messageTimeoutMs: 300 });
    opened.push(server);
    const atServer = collector(server);
    const idle = await rawTcp(server.port);
    const vouched = await rawTcp(server.port);
    vouched.write(serializeSipMessage(message("TCP", 5060, "vouched-1")));
    const [first] = await atServer.waitFor(1);
    server.trust(first!.remote);
    const idleClosed = new Promise<void>((resolve) => idle.once("close", () => resolve()));
    await idleClosed;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(vouched.destroyed).toBe(false);
    expect(server.connectionCount).toBe(1);
  });
});
