import { createRequest, generateCallId, generateTag, type SipDestination, type SipRequest, type SipResponse } from "@ivc/sip";
import type { Registration } from "./registration-store.js";
import type { SipEndpoint } from "./sip-endpoint.js";

export const MANSCDP_CONTENT_TYPE = "Application/MANSCDP+xml";

export interface ServerIdentity {
  /** SIP_ID: our 20-digit code. */
  serverId: string;
  /** SIP_DOMAIN. */
  domain: string;
}

export interface DeviceRequestOptions {
  /** Code addressed in the Request-URI and To: a channel for INVITE (GB/T 28181 §9.2.2); the device by default. */
  target?: string;
  body?: Buffer;
  contentType?: string;
  headers?: Array<[string, string]>;
  withContact?: boolean;
}

/**
 * Builds and sends requests from the platform to a registered device: to the address its
 * REGISTER came from (the NAT mapping), over the transport it registered with.
 */
export class DeviceRequester {
  constructor(
    private readonly endpoint: SipEndpoint,
    private readonly identity: ServerIdentity,
  ) {}

  build(registration: Registration, method: string, options: DeviceRequestOptions = {}): SipRequest {
    const { address, port, transport } = registration;
    const target = options.target ?? registration.deviceId;
    return createRequest({
      method,
      uri: `sip:${target}@${address}:${port}`,
      via: this.endpoint.via(transport),
      from: { uri: `sip:${this.identity.serverId}@${this.identity.domain}`, params: { tag: generateTag() } },
      to: { uri: `sip:${target}@${this.identity.domain}`, params: {} },
      callId: generateCallId(this.endpoint.host),
      cseq: 1,
      ...(options.withContact ? { contact: this.contact() } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.body ? { body: options.body, contentType: options.contentType ?? MANSCDP_CONTENT_TYPE } : {}),
    });
  }

  send(registration: Registration, request: SipRequest): Promise<SipResponse> {
    return this.endpoint.request(request, destinationOf(registration));
  }

  /** A MANSCDP MESSAGE (GB/T 28181 §9.3); resolves with the device's final response. */
  message(registration: Registration, body: Buffer): Promise<SipResponse> {
    return this.send(registration, this.build(registration, "MESSAGE", { body }));
  }

  contact(): { uri: string; params: Record<string, string | null> } {
    return { uri: `sip:${this.identity.serverId}@${this.endpoint.host}:${this.endpoint.port}`, params: {} };
  }
}

/** Where requests to a registered device go: the address its REGISTER or last keepalive came from. */
export function destinationOf(registration: Registration): SipDestination {
  return { protocol: registration.transport, address: registration.address, port: registration.port };
}
