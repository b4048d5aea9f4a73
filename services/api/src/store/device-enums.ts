/** Closed sets of spec 02 §C.5 as they travel on the wire. */
export const AccessProtocol = { Rtmp: 1, Gb: 2, Gateway: 3 } as const;
export const DeviceType = { Ipc: 1, Nvr: 2 } as const;
export const TransportProtocol = { Udp: 1, Tcp: 2 } as const;

/** The media transport of a GB device: TransportProtocol 2 (TCP) means the platform listens and the device connects (RFC 4571 passive side). */
export function mediaTransport(transportProtocol: number): "udp" | "tcp-passive" {
  return transportProtocol === TransportProtocol.Tcp ? "tcp-passive" : "udp";
}
export const DeviceStatus = { Unregistered: 0, Online: 1, Offline: 2, Disabled: 3 } as const;
/** `updatestatus` request values (spec 02 §5): 2 enables, 3 disables. */
export const EnableStatus = { Enable: 2, Disable: 3 } as const;
