import { beforeEach, describe, expect, it, vi } from "vitest";
import {
  createRequest,
  createResponse,
  getHeader,
  parseNameAddr,
  TransactionManager,
  type SipDestination,
  type SipMessage,
  type SipRequest,
} from "../src/index.js";
import { FakeClock } from "./fake-clock.js";

const UDP: SipDestination = { protocol: "udp", address: "192.168.1.64", port: 5060 };
const TCP: SipDestination = { ...UDP, protocol: "tcp" };

function request(method: string, branch = "z9hG4bK-tx-1", transport = "UDP"): SipRequest {
  return createRequest({
    method,
    uri: "sip:34020000001320000001@192.168.1.64:5060",
    via: { protocol: "SIP/2.0", transport, host: "192.168.1.10", port: 5060, params: { branch, rport: null } },
    from: { uri: "sip:34020000002000000001@3402000000", params: { tag: "platform" } },
    to: { uri: "sip:34020000001320000001@3402000000", params: {} },
    callId: "call-1",
    cseq: 7,
  });
}

describe("transactions", () => {
  let clock: FakeClock;
  let sent: Array<{ message: SipMessage; at: number }>;
  let manager: TransactionManager;
  let serverTimeouts: number;

  beforeEach(() => {
    clock = new FakeClock();
    sent = [];
    serverTimeouts = 0;
    manager = new TransactionManager({
      timers: clock,
      send: (message) => void sent.push({ message, at: clock.now() }),
      onTimeout: () => serverTimeouts++,
    });
  });

  const sendTimes = () => sent.map((s) => s.at);

  describe("client non-INVITE (timers E, F, K)", () => {
    it("retransmits over UDP doubling up to T2 and times out with Timer F at 64*T1", () => {
      const onTimeout = vi.fn();
      manager.sendRequest(request("MESSAGE"), UDP, { onResponse: vi.fn(), onTimeout });
      clock.advance(31_999);
      expect(sendTimes()).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
      expect(onTimeout).not.toHaveBeenCalled();
      clock.advance(1);
      expect(onTimeout).toHaveBeenCalledOnce();
      expect(manager.clientCount).toBe(0);
      expect(clock.pendingCount).toBe(0);
    });

    it("never retransmits over TCP", () => {
      const onTimeout = vi.fn();
      manager.sendRequest(request("MESSAGE", "z9hG4bK-tcp", "TCP"), TCP, { onResponse: vi.fn(), onTimeout });
      clock.advance(40_000);
      expect(sendTimes()).toEqual([0]);
      expect(onTimeout).toHaveBeenCalledOnce();
    });

    it("retransmits every T2 once a provisional arrived", () => {
      const req = request("REGISTER");
      manager.sendRequest(req, UDP, { onResponse: vi.fn() });
      clock.advance(600);
      expect(manager.receiveResponse(createResponse(req, 100))).toBe(true);
      clock.advance(1000 - 100 + 4000 * 2);
      expect(sendTimes()).toEqual([0, 500, 1500, 5500, 9500]);
    });

    it("delivers the final response once, absorbs its retransmissions and ends after Timer K (T4)", () => {
      const req = request("MESSAGE");
      const onResponse = vi.fn();
      const tx = manager.sendRequest(req, UDP, { onResponse });
      const ok = createResponse(req, 200, { toTag: "dev" });
      manager.receiveResponse(ok);
      expect(tx.state).toBe("Completed");
      expect(manager.receiveResponse(ok)).toBe(true);
      expect(onResponse).toHaveBeenCalledOnce();
      clock.advance(4999);
      expect(manager.clientCount).toBe(1);
      clock.advance(1);
      expect(tx.state).toBe("Terminated");
      expect(manager.receiveResponse(ok)).toBe(false);
      expect(sendTimes()).toEqual([0]);
    });

    it("terminates at once over TCP after the final response (K = 0)", () => {
      const req = request("MESSAGE", "z9hG4bK-k0", "TCP");
      const tx = manager.sendRequest(req, TCP, { onResponse: vi.fn() });
      manager.receiveResponse(createResponse(req, 200));
      expect(tx.state).toBe("Terminated");
      expect(manager.clientCount).toBe(0);
    });

    it("reports a transport error when sending throws", () => {
      const failing = new TransactionManager({ timers: clock, send: () => { throw new Error("EHOSTUNREACH"); } });
      const onTransportError = vi.fn();
      const tx = failing.sendRequest(request("MESSAGE"), UDP, { onResponse: vi.fn(), onTransportError });
      expect(onTransportError).toHaveBeenCalledOnce();
      expect(tx.state).toBe("Terminated");
      expect(failing.clientCount).toBe(0);
      expect(clock.pendingCount).toBe(0);
    });

    it("reports a transport error when an asynchronous send rejects", async () => {
      const failing = new TransactionManager({ timers: clock, send: () => Promise.reject(new Error("ECONNRESET")) });
      const onTransportError = vi.fn();
      failing.sendRequest(request("MESSAGE"), TCP, { onResponse: vi.fn(), onTransportError });
      await Promise.resolve();
      await Promise.resolve();
      expect(onTransportError).toHaveBeenCalledOnce();
      expect(failing.clientCount).toBe(0);
    });
  });

  describe("client INVITE (timers A, B, D)", () => {
    it("retransmits with unbounded doubling and times out with Timer B", () => {
      const onTimeout = vi.fn();
      manager.sendRequest(request("INVITE"), UDP, { onResponse: vi.fn(), onTimeout });
      clock.advance(32_000);
      expect(sendTimes()).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
      expect(onTimeout).toHaveBeenCalledOnce();
    });

    it("stops retransmitting on a provisional and waits without Timer B", () => {
      const req = request("INVITE");
      const onTimeout = vi.fn();
      const tx = manager.sendRequest(req, UDP, { onResponse: vi.fn(), onTimeout });
      manager.receiveResponse(createResponse(req, 100));
      clock.advance(60_000);
      expect(sendTimes()).toEqual([0]);
      expect(tx.state).toBe("Proceeding");
      expect(onTimeout).not.toHaveBeenCalled();
    });

    it("ACKs a non-2xx final response, re-ACKs retransmissions and ends after Timer D", () => {
      const req = request("INVITE");
      const onResponse = vi.fn();
      const tx = manager.sendRequest(req, UDP, { onResponse });
      const busy = createResponse(req, 486, { toTag: "cam" });
      manager.receiveResponse(busy);
      manager.receiveResponse(busy);
      expect(onResponse).toHaveBeenCalledOnce();
      const acks = sent.slice(1).map((s) => s.message);
      expect(acks).toHaveLength(2);
      const [ack] = acks;
      if (!ack || ack.kind !== "request") throw new Error("no ACK");
      expect(ack.method).toBe("ACK");
      expect(ack.uri).toBe(req.uri);
      expect(getHeader(ack, "CSeq")).toBe("7 ACK");
      expect(getHeader(ack, "Via")).toBe(getHeader(req, "Via"));
      expect(parseNameAddr(getHeader(ack, "To") ?? "")?.params.tag).toBe("cam");
      clock.advance(31_999);
      expect(tx.state).toBe("Completed");
      clock.advance(1);
      expect(tx.state).toBe("Terminated");
    });

    it("hands a 2xx to the TU and terminates without ACKing it", () => {
      const req = request("INVITE");
      const onResponse = vi.fn();
      const tx = manager.sendRequest(req, UDP, { onResponse });
      manager.receiveResponse(createResponse(req, 200, { toTag: "cam" }));
      expect(tx.state).toBe("Terminated");
      expect(onResponse).toHaveBeenCalledOnce();
      expect(sent).toHaveLength(1);
      expect(clock.pendingCount).toBe(0);
    });

    it("does not match a response whose CSeq method differs (CANCEL shares the branch)", () => {
      const req = request("INVITE");
      manager.sendRequest(req, UDP, { onResponse: vi.fn() });
      const cancelOk = createResponse({ ...req, method: "CANCEL", headers: req.headers.map((h) => (h.name === "CSeq" ? { ...h, value: "7 CANCEL" } : h)) }, 200);
      expect(manager.receiveResponse(cancelOk)).toBe(false);
    });
  });

  describe("server non-INVITE (timer J)", () => {
    it("ignores retransmissions while Trying, repeats the final response, and ends after Timer J", () => {
      const req = request("MESSAGE");
      const incoming = manager.receiveRequest(req, UDP);
      if (incoming.kind !== "new") throw new Error("expected new");
      expect(manager.receiveRequest(req, UDP)).toEqual({ kind: "absorbed" });
      expect(sent).toHaveLength(0);
      incoming.transaction.respond(createResponse(req, 200));
      expect(manager.receiveRequest(req, UDP)).toEqual({ kind: "absorbed" });
      expect(sent.map((s) => s.message.kind === "response" && s.message.status)).toEqual([200, 200]);
      clock.advance(32_000);
      expect(incoming.transaction.state).toBe("Terminated");
      expect(manager.receiveRequest(req, UDP).kind).toBe("new");
    });

    it("repeats the last provisional in Proceeding", () => {
      const req = request("SUBSCRIBE");
      const incoming = manager.receiveRequest(req, UDP);
      if (incoming.kind !== "new") throw new Error("expected new");
      incoming.transaction.respond(createResponse(req, 100));
      manager.receiveRequest(req, UDP);
      expect(sent.map((s) => s.message.kind === "response" && s.message.status)).toEqual([100, 100]);
      expect(incoming.transaction.state).toBe("Proceeding");
    });

    it("terminates at once over TCP (J = 0)", () => {
      const req = request("MESSAGE", "z9hG4bK-tcp", "TCP");
      const incoming = manager.receiveRequest(req, TCP);
      if (incoming.kind !== "new") throw new Error("expected new");
      incoming.transaction.respond(createResponse(req, 200));
      expect(incoming.transaction.state).toBe("Terminated");
      expect(manager.serverCount).toBe(0);
    });

    it("matches RFC 2543 retransmissions without a usable branch", () => {
      const req = request("OPTIONS", "z9hG4bK");
      expect(manager.receiveRequest(req, UDP).kind).toBe("new");
      expect(manager.receiveRequest(req, UDP).kind).toBe("absorbed");
      expect(manager.receiveRequest({ ...req, headers: req.headers.map((h) => (h.name === "Call-ID" ? { ...h, value: "other" } : h)) }, UDP).kind).toBe("new");
    });
  });

  describe("server INVITE (timers G, H, I)", () => {
    it("answers 100 Trying at once and repeats it for retransmissions", () => {
      const req = request("INVITE");
      expect(manager.receiveRequest(req, UDP).kind).toBe("new");
      manager.receiveRequest(req, UDP);
      expect(sent.map((s) => s.message.kind === "response" && s.message.status)).toEqual([100, 100]);
      expect(getHeader(sent[0]?.message as SipMessage, "To")).toBe(getHeader(req, "To"));
    });

    it("retransmits a failure with Timer G capped at T2 until the ACK, then absorbs ACKs until Timer I", () => {
      const req = request("INVITE");
      const incoming = manager.receiveRequest(req, UDP);
      if (incoming.kind !== "new") throw new Error("expected new");
      sent.length = 0;
      incoming.transaction.respond(createResponse(req, 486, { toTag: "srv" }));
      clock.advance(11_500);
      expect(sendTimes()).toEqual([0, 500, 1500, 3500, 7500, 11500]);
      const ack = { ...req, method: "ACK", headers: req.headers.map((h) => (h.name === "CSeq" ? { ...h, value: "7 ACK" } : h)) };
      expect(manager.receiveRequest(ack, UDP)).toEqual({ kind: "absorbed" });
      expect(incoming.transaction.state).toBe("Confirmed");
      clock.advance(4999);
      expect(manager.receiveRequest(ack, UDP)).toEqual({ kind: "absorbed" });
      expect(sent).toHaveLength(6);
      clock.advance(1);
      expect(incoming.transaction.state).toBe("Terminated");
      expect(manager.receiveRequest(ack, UDP)).toEqual({ kind: "ack" });
      expect(serverTimeouts).toBe(0);
    });

    it("gives up with Timer H when no ACK comes", () => {
      const req = request("INVITE");
      const incoming = manager.receiveRequest(req, UDP);
      if (incoming.kind !== "new") throw new Error("expected new");
      incoming.transaction.respond(createResponse(req, 404));
      clock.advance(32_000);
      expect(serverTimeouts).toBe(1);
      expect(incoming.transaction.state).toBe("Terminated");
      expect(clock.pendingCount).toBe(0);
    });

    it("ends on a 2xx and leaves the ACK for the 2xx to the dialog", () => {
      const req = request("INVITE");
      const incoming = manager.receiveRequest(req, UDP);
      if (incoming.kind !== "new") throw new Error("expected new");
      incoming.transaction.respond(createResponse(req, 200, { toTag: "srv" }));
      expect(incoming.transaction.state).toBe("Terminated");
      const ack = { ...request("ACK", "z9hG4bK-new-branch") };
      expect(manager.receiveRequest(ack, UDP)).toEqual({ kind: "ack" });
    });

    it("finds the INVITE a CANCEL targets", () => {
      const req = request("INVITE");
      const incoming = manager.receiveRequest(req, UDP);
      const cancel = { ...req, method: "CANCEL", headers: req.headers.map((h) => (h.name === "CSeq" ? { ...h, value: "7 CANCEL" } : h)) };
      expect(incoming.kind === "new" && manager.findCancelledInvite(cancel) === incoming.transaction).toBe(true);
      expect(manager.receiveRequest(cancel, UDP).kind).toBe("new");
    });
  });

  it("close() stops every timer", () => {
    manager.sendRequest(request("INVITE"), UDP, { onResponse: vi.fn() });
    manager.receiveRequest(request("MESSAGE", "z9hG4bK-other"), UDP);
    manager.close();
    expect(clock.pendingCount).toBe(0);
    expect(manager.clientCount + manager.serverCount).toBe(0);
  });
});
