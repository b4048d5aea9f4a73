import type { RequestSource } from "./registration-store.js";

/**
 * GB28181 devices authenticate only their REGISTER, so the transport, address and port that
 * REGISTER came from (as the server saw them, after NAT: never the Via) are what identifies the
 * device afterwards. An out-of-dialog request naming a registered device from anywhere else is an
 * impostor or a device whose NAT moved it; either way it must register again (with digest) first.
 */
export type SourceVerdict = "bound" | "unregistered" | "wrong-source";

export function checkSource(bound: RequestSource | undefined, source: RequestSource): SourceVerdict {
  if (!bound) return "unregistered";
  return sameSource(bound, source) ? "bound" : "wrong-source";
}

export function sameSource(a: RequestSource, b: RequestSource): boolean {
  return a.protocol === b.protocol && a.address === b.address && a.port === b.port;
}

export function describeSource(source: RequestSource): string {
  return `${source.protocol}:${source.address}:${source.port}`;
}
