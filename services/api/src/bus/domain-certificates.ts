import { ANY_CLUSTER, BusHandlerError, clusterOfSubject, domainCertificates, domainChanged } from "@ivc/bus";
import type { Bus, DomainCertificatesReply, DomainChange } from "@ivc/bus";
import type { SecretBox } from "../accounts/secret-box.js";
import type { Db } from "../db/database.js";
import { nodeCertificates } from "../store/domains.js";
import { publishNotice, type WarnLogger } from "./publish-notice.js";


/** Tells the node's relay that its set of play domains changed (domain/add, update, delete). */
export interface DomainChanges {
  changed(change: Omit<DomainChange, "at">): void;
}

export function createNatsDomainChanges(bus: Bus, logger: WarnLogger): DomainChanges {
  return {
    changed(change) {
      // Unpublished, the relay still asks again when it starts.
      publishNotice(bus, logger, domainChanged, { ...change, at: Date.now() }, { clusterId: change.clusterId, playDomain: change.playDomain });
    },
  };
}

/**
 * The chains and opened keys of the live domains of `clusterId`. A key the master key cannot open
 * (the key was changed) is left out, so the relay serves the other domains, and logged.
 */
export async function certificatesOfNode(db: Db, box: SecretBox, clusterId: string, logger: WarnLogger): Promise<DomainCertificatesReply> {
  const domains: DomainCertificatesReply["domains"] = [];
  for (const row of await nodeCertificates(db, clusterId)) {
    const keyPem = box.open(row.keyEnc);
    if (keyPem === undefined) logger.warn({ clusterId, playDomain: row.playDomain }, "play domain key sealed with another master key: not served");
    else domains.push({ playDomain: row.playDomain, certPem: row.certPem, keyPem });
  }
  return { domains };
}

/** Answers every site's relay (`ANY_CLUSTER`) with the domains of the cluster it asked on. */
export function answerDomainCertificates(bus: Bus, db: Db, box: SecretBox, logger: WarnLogger, queue: string) {
  return bus.reply(
    domainCertificates,
    { clusterId: ANY_CLUSTER },
    (_request, meta) => {
      const clusterId = clusterOfSubject(meta.subject);
      if (clusterId === undefined) throw new BusHandlerError("bad_request", `no cluster id in ${meta.subject}`);
      return certificatesOfNode(db, box, clusterId, logger);
    },
    { queue },
  );
}
