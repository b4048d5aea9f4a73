/**
 * Media transport from the platform's point of view: "tcp-passive" means the
 * platform listens (a=setup:passive) and the device connects (RFC 4571/4145).
 */
export type GbTransport = "udp" | "tcp-passive" | "tcp-active";

export type SetupRole = "active" | "passive" | "actpass";
