import type { Db } from "../db/database.js";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import { playDomainState } from "../store/domains.js";
import type { ServiceNode } from "../store/service-nodes.js";
import type { MediaEndpoint } from "./stream-urls.js";

/**
 * Where the account's viewers reach `node`'s relay: through the play domain bound to it (HTTPS on
 * MEDIA_HTTPS_PORT), or, when the account never bound one, the media host over HTTP. After
 * domain/delete "devices under the node can no longer show live video or recordings" (spec 01 §5.5):
 * 41623 until a domain is added again.
 */
export async function viewerEndpoint(db: Db, appId: string, node: ServiceNode): Promise<Outcome<MediaEndpoint>> {
  const state = await playDomainState(db, appId, node.id);
  if (state.kind === "deleted") {
    return refuse(ErrorCodes.DomainDeleted, `play domain ${state.playDomain} of ClusterId ${node.id} was deleted; add a domain (domain/add) to get stream URLs again`);
  }
  if (state.kind === "bound") return succeed({ ...node, https: { domain: state.playDomain, port: node.mediaHttpsPort } });
  return succeed(node);
}
