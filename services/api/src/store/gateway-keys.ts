import { eq } from "drizzle-orm";
import { hashGatewaySecret } from "@ivc/bus";
import type { Db } from "../db/database.js";
import { accounts, gatewayKeys, serviceNodes } from "../db/schema.js";
import { randomText } from "../accounts/random-text.js";

export interface IssuedGatewayKey {
  readonly key: string;
  readonly appId: string;
  readonly clusterId: string;
  readonly expiresAt: Date;
}

/** Keys are shown once; the prefix lets an operator tell a gateway key from an API SecretKey. */
const KEY_PREFIX = "gk_";
const KEY_RANDOM_LENGTH = 40;

/**
 * The stored form of a gateway key or token: its SHA-256 (as for temporary-credential tokens). The
 * function is the bus package's, the one the box keys its report signatures with.
 */
export { hashGatewaySecret };

/** `ivc gateway key create`: a single-use activation key for a box of `appId` on `clusterId`. Throws RangeError for unknown ids. */
export async function createGatewayKey(db: Db, appId: string, clusterId: string, ttlMs: number, now = new Date()): Promise<IssuedGatewayKey> {
  if ((await db.select().from(accounts).where(eq(accounts.appId, appId))).length === 0) throw new RangeError(`no account ${appId}`);
  if ((await db.select().from(serviceNodes).where(eq(serviceNodes.id, clusterId))).length === 0) {
    throw new RangeError(`ClusterId ${clusterId} is not a service node`);
  }
  const key = `${KEY_PREFIX}${randomText(KEY_RANDOM_LENGTH)}`;
  const expiresAt = new Date(now.getTime() + ttlMs);
  await db.insert(gatewayKeys).values({ keyHash: hashGatewaySecret(key), appId, clusterId, expiresAt });
  return { key, appId, clusterId, expiresAt };
}

