import { asc, eq } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { serviceNodes } from "../db/schema.js";

export interface ServiceNodeConfig {
  /** The cluster id every service of the site derives (packages/runtime resolveClusterId). */
  readonly id: string;
  readonly name: string;
  readonly sipId: string;
  readonly sipDomain: string;
  readonly sipIp: string;
  readonly sipPort: number;
  readonly mediaHost: string;
  readonly mediaHttpPort: number;
  readonly rtmpPort: number;
  /** NODE_PUBLIC_HOST: the CNAME play domains point at (spec 01 §5.2); "" when unset (mediaHost is used). */
  readonly publicHost: string;
  /** MEDIA_HTTPS_PORT: the relay's TLS listener, where bound play domains are served. */
  readonly mediaHttpsPort: number;
}

export type ServiceNode = ServiceNodeConfig;

/** First start creates the site's node; later starts bring it in line with the configuration. */
export async function ensureServiceNode(db: Db, config: ServiceNodeConfig): Promise<ServiceNode> {
  const { id: _id, ...fields } = config;
  await db.insert(serviceNodes).values(config).onConflictDoUpdate({ target: serviceNodes.id, set: fields });
  return config;
}

export async function findServiceNode(db: Db, id: string): Promise<ServiceNode | undefined> {
  return (await db.select().from(serviceNodes).where(eq(serviceNodes.id, id)))[0];
}

/** A node's media HTTP base, `http://host:port`, where its relay serves AI snapshots; undefined for an unknown node. */
export async function mediaBaseOf(db: Db, id: string): Promise<string | undefined> {
  const found = await findServiceNode(db, id);
  return found === undefined ? undefined : `http://${found.mediaHost}:${found.mediaHttpPort}`;
}

export async function listServiceNodes(db: Db): Promise<ServiceNode[]> {
  return db.select().from(serviceNodes).orderBy(asc(serviceNodes.createdAt));
}
