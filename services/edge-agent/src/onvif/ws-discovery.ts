import { randomUUID } from "node:crypto";
import { createSocket } from "node:dgram";
import { xmlElements, xmlText } from "./xml-values.js";

export interface DiscoveredDevice {
  /** wsa:EndpointReference/Address, usually urn:uuid:… — stable per device. */
  endpoint: string;
  /** Device service URLs (the XAddrs list). */
  xaddrs: string[];
  scopes: string[];
  from: string;
}

/**
 * WS-Discovery 1.0 (2005/04, the version ONVIF Core §7.3 uses) Probe for NetworkVideoTransmitter.
 * MessageID is ours, so ProbeMatches are matched by RelatesTo.
 */
export function probeMessage(messageId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" ` +
    `xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">` +
    `<s:Header><a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>` +
    `<a:MessageID>${messageId}</a:MessageID>` +
    `<a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>` +
    `<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>` +
    `<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body></s:Envelope>`
  );
}

/** The devices in one ProbeMatches datagram answering `messageId`; anything else gives []. */
export function parseProbeMatches(xml: string, messageId: string, from: string): DiscoveredDevice[] {
  if (xmlText(xml, "RelatesTo") !== messageId) return [];
  return xmlElements(xml, "ProbeMatch").flatMap((match) => {
    const xaddrs = (xmlText(match.inner, "XAddrs") ?? "").split(/\s+/).filter((u) => /^https?:\/\//i.test(u));
    if (xaddrs.length === 0) return [];
    const endpoint = xmlText(match.inner, "Address") ?? xaddrs[0] ?? "";
    return [{ endpoint, xaddrs, scopes: (xmlText(match.inner, "Scopes") ?? "").split(/\s+/).filter(Boolean), from }];
  });
}

const MAX_DATAGRAM = 64 * 1024;

/**
 * Sends one Probe to `target` ("239.255.255.250:3702" on a LAN; a loopback responder in tests) and
 * collects matches for `waitMs`, one entry per endpoint.
 */
export async function discoverOnvif(target: string, waitMs: number): Promise<DiscoveredDevice[]> {
  const at = target.lastIndexOf(":");
  const host = target.slice(0, at);
  const port = Number(target.slice(at + 1));
  const messageId = `urn:uuid:${randomUUID()}`;
  const socket = createSocket({ type: "udp4", reuseAddr: true });
  const found = new Map<string, DiscoveredDevice>();
  socket.on("message", (msg, rinfo) => {
    if (msg.length > MAX_DATAGRAM) return;
    for (const device of parseProbeMatches(msg.toString("utf8"), messageId, rinfo.address)) {
      if (!found.has(device.endpoint)) found.set(device.endpoint, device);
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, () => resolve());
    });
    socket.on("error", () => undefined);
    if (/^2(2[4-9]|3\d)\./.test(host)) socket.setMulticastTTL(1);
    await new Promise<void>((resolve, reject) => socket.send(probeMessage(messageId), port, host, (err) => (err ? reject(err) : resolve())));
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  } finally {
    socket.close();
  }
  return [...found.values()];
}
