import { z } from "zod";
import { defineEvent, defineRequest, subjectOf, type ClusterScope } from "../contract.js";

/**
 * The play domains bound to a node (spec 01 §5.4–5.6) with what its relay's TLS listener serves
 * for each: the certificate chain and the private key, both PEM. Sent on the relay's cluster
 * subject; the API answers every site through `ANY_CLUSTER`. The relay keeps no database: it asks
 * at start and again on every `domain.changed` of its cluster. The key is sealed at rest in the
 * API's database and travels only on the site's own NATS, as device passwords do.
 */
export const domainCertificates = defineRequest(
  "api.domain.certificates",
  (p: { clusterId: ClusterScope }) => subjectOf(p.clusterId, "api", "domain", "certificates"),
  z.object({}),
  z.object({
    domains: z.array(z.object({ playDomain: z.string().min(1), certPem: z.string().min(1), keyPem: z.string().min(1) })),
  }),
);

/** A domain of node `clusterId` was added, had its certificate replaced, or was deleted: its relay asks again. */
export const domainChanged = defineEvent(
  "domain.changed",
  subjectOf("evt", "domain", "changed"),
  z.object({ clusterId: z.string().min(1), playDomain: z.string().min(1), change: z.enum(["added", "updated", "deleted"]), at: z.number().int().nonnegative() }),
);

export type DomainCertificatesReply = z.infer<typeof domainCertificates.reply>;
export type DomainChange = z.infer<typeof domainChanged.schema>;
