import { networkInterfaces } from "node:os";

/**
 * The address put in our Via and Contact, which devices answer and send requests to. SIP_HOST
 * wins; a concrete bind address is next; with 0.0.0.0 the first external IPv4 is a best guess
 * (behind NAT or with several interfaces SIP_HOST must be set).
 */
export function advertisedHost(sipHost: string | undefined, bindAddress: string): string {
  if (sipHost) return sipHost;
  if (bindAddress !== "0.0.0.0") return bindAddress;
  for (const addresses of Object.values(networkInterfaces())) {
    const external = addresses?.find((a) => a.family === "IPv4" && !a.internal);
    if (external) return external.address;
  }
  return "127.0.0.1";
}
