import { randomUUID } from "node:crypto";
import { and, asc, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { domains, serviceNodes } from "../db/schema.js";
import { isUniqueViolation } from "../db/unique-violation.js";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";

/** A bound play domain as domain/add and domain/query show it (spec 01 §5.4, §5.7); the key is never part of it. */
export interface DomainView {
  Id: string;
  PlayDomain: string;
  InternalDomain: string;
  HaveCert: number;
  ClusterId: string;
  ClusterName: string;
}

export interface NewDomain {
  readonly appId: string;
  readonly clusterId: string;
  readonly playDomain: string;
  readonly internalDomain: string;
  readonly certPem: string;
  readonly keyEnc: string;
  readonly certNotAfter: Date;
}

/** What the relay of a node serves: the chains and sealed keys of every live domain bound to it. */
export interface NodeCertificate {
  readonly playDomain: string;
  readonly certPem: string;
  readonly keyEnc: string;
}

const live = isNull(domains.deletedAt);

const viewColumns = {
  id: domains.id,
  playDomain: domains.playDomain,
  internalDomain: domains.internalDomain,
  certPem: domains.certPem,
  clusterId: domains.clusterId,
  clusterName: serviceNodes.name,
};

function view(row: { id: string; playDomain: string; internalDomain: string; certPem: string; clusterId: string; clusterName: string }): DomainView {
  return {
    Id: row.id,
    PlayDomain: row.playDomain,
    InternalDomain: row.internalDomain,
    HaveCert: row.certPem === "" ? 0 : 1,
    ClusterId: row.clusterId,
    ClusterName: row.clusterName,
  };
}

/** Binds a play domain; the same domain bound anywhere, or a second domain of the account on the node, is 41618. */
export async function insertDomain(db: Db, domain: NewDomain): Promise<Outcome<DomainView>> {
  const taken = (await db.select({ appId: domains.appId }).from(domains).where(and(eq(domains.playDomain, domain.playDomain), live)))[0];
  if (taken) return refuse(ErrorCodes.DomainExists, `PlayDomain ${domain.playDomain} is already bound`);
  const onNode = await findLiveDomainOfNode(db, domain.appId, domain.clusterId);
  if (onNode) return refuse(ErrorCodes.DomainExists, `ClusterId ${domain.clusterId} already has PlayDomain ${onNode.playDomain}: a node binds one domain (domain/update replaces its certificate)`);
  const id = randomUUID();
  try {
    await db.insert(domains).values({ id, ...domain });
  } catch (err) {
    if (isUniqueViolation(err)) return refuse(ErrorCodes.DomainExists, `PlayDomain ${domain.playDomain} or a domain of ClusterId ${domain.clusterId} was bound meanwhile`);
    throw err;
  }
  return succeed((await findDomain(db, domain.appId, id)) as DomainView);
}

async function findLiveDomainOfNode(db: Db, appId: string, clusterId: string) {
  return (await db.select().from(domains).where(and(eq(domains.appId, appId), eq(domains.clusterId, clusterId), live)))[0];
}

/** A live domain of the account. */
export async function findDomain(db: Db, appId: string, id: string): Promise<DomainView | undefined> {
  const rows = await db
    .select(viewColumns)
    .from(domains)
    .innerJoin(serviceNodes, eq(serviceNodes.id, domains.clusterId))
    .where(and(eq(domains.appId, appId), eq(domains.id, id), live));
  return rows[0] && view(rows[0]);
}

export async function listDomains(db: Db, appId: string): Promise<DomainView[]> {
  const rows = await db
    .select(viewColumns)
    .from(domains)
    .innerJoin(serviceNodes, eq(serviceNodes.id, domains.clusterId))
    .where(and(eq(domains.appId, appId), live))
    .orderBy(asc(domains.createdAt), asc(domains.id));
  return rows.map(view);
}

export async function replaceCertificate(db: Db, appId: string, id: string, cert: { certPem: string; keyEnc: string; certNotAfter: Date }): Promise<boolean> {
  const rows = await db
    .update(domains)
    .set({ ...cert, updatedAt: new Date() })
    .where(and(eq(domains.appId, appId), eq(domains.id, id), live))
    .returning({ id: domains.id });
  return rows.length > 0;
}

/** Unbinds the domain and wipes its certificate and key; the row stays so that stream URLs answer 41623. */
export async function deleteDomain(db: Db, appId: string, id: string): Promise<boolean> {
  const rows = await db
    .update(domains)
    .set({ certPem: "", keyEnc: "", certNotAfter: null, deletedAt: new Date(), updatedAt: new Date() })
    .where(and(eq(domains.appId, appId), eq(domains.id, id), live))
    .returning({ id: domains.id });
  return rows.length > 0;
}

/** How an account's viewers reach a node: through its bound domain, refused since its domain was deleted, or plainly. */
export type PlayDomainState = { readonly kind: "bound"; readonly playDomain: string } | { readonly kind: "deleted"; readonly playDomain: string } | { readonly kind: "none" };

export async function playDomainState(db: Db, appId: string, clusterId: string): Promise<PlayDomainState> {
  const rows = await db
    .select({ playDomain: domains.playDomain, deletedAt: domains.deletedAt })
    .from(domains)
    .where(and(eq(domains.appId, appId), eq(domains.clusterId, clusterId)))
    .orderBy(desc(isNull(domains.deletedAt)), desc(domains.updatedAt))
    .limit(1);
  const row = rows[0];
  if (!row) return { kind: "none" };
  return row.deletedAt === null ? { kind: "bound", playDomain: row.playDomain } : { kind: "deleted", playDomain: row.playDomain };
}

export async function nodeCertificates(db: Db, clusterId: string): Promise<NodeCertificate[]> {
  return db
    .select({ playDomain: domains.playDomain, certPem: domains.certPem, keyEnc: domains.keyEnc })
    .from(domains)
    .where(and(eq(domains.clusterId, clusterId), live))
    .orderBy(asc(domains.playDomain));
}
