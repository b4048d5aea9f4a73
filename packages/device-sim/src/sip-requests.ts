import { createRequest, generateBranch } from "@ivc/sip";
import type { SipRequest, SipTransportProtocol, SipVia } from "@ivc/sip";

/** GB/T 28181-2016 §6.1 / Appendix A: the body type of every MANSCDP request. */
export const MANSCDP_CONTENT_TYPE = "Application/MANSCDP+xml";

const USER_AGENT = "IVC gb-device-sim";

/** Who the device is and where it sends from; fixed once the socket is bound. */
export interface DeviceAddressing {
  readonly deviceId: string;
  readonly domain: string;
  readonly serverId: string;
  readonly protocol: SipTransportProtocol;
  /** The address the server can reach us at (Via sent-by and Contact host). */
  readonly localHost: string;
  readonly localPort: number;
}

/** GB/T 28181 §9.1: a device's SIP identity is sip:<device ID>@<domain>. */
export function deviceUri(addressing: DeviceAddressing): string {
  return `sip:${addressing.deviceId}@${addressing.domain}`;
}

export function serverUri(addressing: DeviceAddressing): string {
  return `sip:${addressing.serverId}@${addressing.domain}`;
}

export function contactUri(addressing: DeviceAddressing): string {
  return `sip:${addressing.deviceId}@${addressing.localHost}:${addressing.localPort}`;
}

/** A Via with a fresh branch (RFC 3261 §8.1.1.7) and rport (RFC 3581) for NATed devices. */
export function localVia(addressing: DeviceAddressing): SipVia {
  return {
    protocol: "SIP/2.0",
    transport: addressing.protocol.toUpperCase(),
    host: addressing.localHost,
    port: addressing.localPort,
    params: { rport: null, branch: generateBranch() },
  };
}

export interface RegisterInput {
  readonly callId: string;
  readonly cseq: number;
  readonly fromTag: string;
  /** Seconds; 0 removes the binding (RFC 3261 §10.2.2). */
  readonly expires: number;
  readonly authorization?: string;
}

/**
 * REGISTER per GB/T 28181-2016 §9.1.2.1: the Request-URI names the SIP server by ID
 * in the domain, From and To both carry the device identity.
 */
export function buildRegister(addressing: DeviceAddressing, input: RegisterInput): SipRequest {
  const identity = deviceUri(addressing);
  const headers: Array<[string, string]> = [
    ["User-Agent", USER_AGENT],
    ["Expires", String(input.expires)],
  ];
  if (input.authorization !== undefined) headers.unshift(["Authorization", input.authorization]);
  return createRequest({
    method: "REGISTER",
    uri: serverUri(addressing),
    via: localVia(addressing),
    from: { uri: identity, params: { tag: input.fromTag } },
    to: { uri: identity, params: {} },
    callId: input.callId,
    cseq: input.cseq,
    contact: { uri: contactUri(addressing), params: {} },
    headers,
  });
}

export interface ManscdpMessageInput {
  readonly callId: string;
  readonly cseq: number;
  readonly fromTag: string;
  readonly body: Buffer;
}

/** An out-of-dialog MESSAGE to the server carrying a MANSCDP body (§9.3, §9.5). */
export function buildManscdpMessage(addressing: DeviceAddressing, input: ManscdpMessageInput): SipRequest {
  return createRequest({
    method: "MESSAGE",
    uri: serverUri(addressing),
    via: localVia(addressing),
    from: { uri: deviceUri(addressing), params: { tag: input.fromTag } },
    to: { uri: serverUri(addressing), params: {} },
    callId: input.callId,
    cseq: input.cseq,
    headers: [["User-Agent", USER_AGENT]],
    body: input.body,
    contentType: MANSCDP_CONTENT_TYPE,
  });
}
