import { describe, expect, it } from "vitest";
import { createRequest, getHeaderValues, parseVia, responseDestination, stampViaReceived, type SipRequest } from "../src/index.js";

function requestWithVia(via: string): SipRequest {
  const base = createRequest({
    method: "REGISTER",
    uri: "sip:34020000002000000001@3402000000",
    via: { protocol: "SIP/2.0", transport: "UDP", host: "placeholder", params: {} },
    from: { uri: "sip:34020000001320000001@3402000000", params: { tag: "1" } },
    to: { uri: "sip:34020000001320000001@3402000000", params: {} },
    callId: "c",
    cseq: 1,
  });
  return { ...base, headers: base.headers.map((h) => (h.name === "Via" ? { ...h, value: via } : h)) };
}

const topVia = (request: SipRequest) => parseVia(getHeaderValues(request, "Via")[0] ?? "");

describe("stampViaReceived (RFC 3261 §18.2.1, RFC 3581)", () => {
  it("adds received when sent-by differs from the source address", () => {
    const stamped = stampViaReceived(requestWithVia("SIP/2.0/UDP 192.168.1.64:5060;branch=z9hG4bK1"), { address: "203.0.113.7", port: 40000 });
    expect(topVia(stamped)?.params).toEqual({ branch: "z9hG4bK1", received: "203.0.113.7" });
  });

  it("leaves the request alone when sent-by is the source address and no rport was asked", () => {
    const request = requestWithVia("SIP/2.0/UDP 192.168.1.64:5060;branch=z9hG4bK1");
    expect(stampViaReceived(request, { address: "192.168.1.64", port: 5060 })).toBe(request);
  });

  it("fills rport and always adds received when the client asked for rport", () => {
    const stamped = stampViaReceived(requestWithVia("SIP/2.0/UDP 192.168.1.64:5060;rport;branch=z9hG4bK1"), { address: "192.168.1.64", port: 5060 });
    expect(topVia(stamped)?.params).toEqual({ rport: "5060", branch: "z9hG4bK1", received: "192.168.1.64" });
  });

  it("adds received for a domain sent-by and strips IPv4-mapped IPv6 prefixes", () => {
    const stamped = stampViaReceived(requestWithVia("SIP/2.0/UDP cam.example.com;branch=z9hG4bK1"), { address: "::ffff:10.0.0.9", port: 5060 });
    expect(topVia(stamped)?.params.received).toBe("10.0.0.9");
  });

  it("only touches the first Via value when several share a line", () => {
    const stamped = stampViaReceived(requestWithVia("SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2"), {
      address: "192.0.2.1",
      port: 5060,
    });
    const vias = getHeaderValues(stamped, "Via").map((v) => parseVia(v));
    expect(vias.map((v) => v?.params.received)).toEqual(["192.0.2.1", undefined]);
  });
});

describe("responseDestination (RFC 3261 §18.2.2, RFC 3581)", () => {
  const udpSource = { protocol: "udp" as const, address: "203.0.113.7", port: 40000 };

  it("uses received and rport when present", () => {
    const via = parseVia("SIP/2.0/UDP 192.168.1.64:5060;branch=z9hG4bK1;received=203.0.113.7;rport=40000");
    expect(via && responseDestination(via, udpSource)).toEqual({ protocol: "udp", address: "203.0.113.7", port: 40000 });
  });

  it("uses received with the sent-by port without rport", () => {
    const via = parseVia("SIP/2.0/UDP 192.168.1.64:5062;branch=z9hG4bK1;received=203.0.113.7");
    expect(via && responseDestination(via, udpSource)).toEqual({ protocol: "udp", address: "203.0.113.7", port: 5062 });
  });

  it("falls back to sent-by and port 5060", () => {
    const via = parseVia("SIP/2.0/UDP 192.168.1.64;branch=z9hG4bK1");
    expect(via && responseDestination(via, udpSource)).toEqual({ protocol: "udp", address: "192.168.1.64", port: 5060 });
  });

  it("answers at the source in symmetric mode and over the same TCP connection", () => {
    const via = parseVia("SIP/2.0/UDP 192.168.1.64;branch=z9hG4bK1");
    if (!via) throw new Error("unparsed");
    expect(responseDestination(via, udpSource, { symmetric: true })).toEqual(udpSource);
    expect(responseDestination(via, { ...udpSource, protocol: "tcp" })).toEqual({ ...udpSource, protocol: "tcp" });
  });
});
