import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import type { ServiceNode } from "../store/service-nodes.js";

/** The CNAME value of a node (spec 01 §5.2): its public host name (NODE_PUBLIC_HOST), else its media host. */
export function nodeCname(node: Pick<ServiceNode, "publicHost" | "mediaHost">): string {
  return (node.publicHost === "" ? node.mediaHost : node.publicHost).toLowerCase();
}

/** The CNAME targets DNS holds for a name (node:dns `resolveCname`); rejects with the resolver's error code. */
export type CnameResolver = (name: string) => Promise<string[]>;

const normalized = (name: string) => name.toLowerCase().replace(/\.$/, "");

/**
 * 41606 unless DNS answers a CNAME of `playDomain` that is `cname` (the node's, spec 01 §5.2): the
 * play domain must point at this node before its certificate is served for it.
 */
export async function checkCnameResolves(resolveCname: CnameResolver, playDomain: string, cname: string): Promise<Outcome<void>> {
  let targets: string[];
  try {
    targets = await resolveCname(playDomain);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return refuse(ErrorCodes.CnameNotResolved, `DNS has no CNAME record for ${playDomain} (${typeof code === "string" ? code : "lookup failed"}); point it at ${cname}`);
  }
  if (targets.some((t) => normalized(t) === normalized(cname))) return succeed(undefined);
  return refuse(ErrorCodes.CnameNotResolved, `${playDomain} is a CNAME of ${targets.map(normalized).join(", ")}, not of ${cname}`);
}
