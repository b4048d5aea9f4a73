export type SipTransportProtocol = "udp" | "tcp";

/** Where a message comes from or goes to. */
export interface SipDestination {
  protocol: SipTransportProtocol;
  address: string;
  port: number;
}

/** RFC 3261 §17: retransmissions only happen over unreliable transports. */
export function isReliable(protocol: SipTransportProtocol): boolean {
  return protocol === "tcp";
}
