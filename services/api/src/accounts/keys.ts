import { createHash } from "node:crypto";
import { and, asc, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { apiKeys } from "../db/schema.js";
import { createAccount, findAccount } from "./accounts.js";
import { randomText } from "./random-text.js";
import type { SecretBox } from "./secret-box.js";

export interface KeyStoreDeps {
  readonly db: Db;
  readonly box: SecretBox;
}

export interface IssuedKey {
  readonly appId: string;
  readonly secretId: string;
  readonly secretKey: string;
}

export interface IssuedTemporaryCredential extends IssuedKey {
  readonly token: string;
  readonly expiresAt: Date;
}

/** What the listing shows: never the secret. */
export interface KeyInfo {
  readonly secretId: string;
  readonly appId: string;
  readonly description: string;
  readonly temporary: boolean;
  readonly expiresAt: Date | null;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

/** A key as the signature check needs it. */
export interface VerificationKey {
  readonly appId: string;
  readonly secretKey: string;
  readonly sessionTokenHash: string | null;
  readonly expiresAt: Date | null;
}

/** Same shapes as Tencent's: a 36-character SecretId starting with AKID and a 32-character SecretKey. */
function newSecretId(): string {
  return `AKID${randomText(32)}`;
}

export function hashSessionToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

async function requireAccount(db: Db, appId: string): Promise<void> {
  if (!(await findAccount(db, appId))) throw new RangeError(`no account ${appId}`);
}

export async function createKey(deps: KeyStoreDeps, appId: string, description = ""): Promise<IssuedKey> {
  await requireAccount(deps.db, appId);
  const secretId = newSecretId();
  const secretKey = randomText(32);
  await deps.db.insert(apiKeys).values({ secretId, appId, secretKeyEnc: deps.box.seal(secretKey), description });
  return { appId, secretId, secretKey };
}

/** Temporary credentials of spec 01 §2: a key pair usable only with its `x-iss-security-token`, until expiry. */
export async function createTemporaryCredential(
  deps: KeyStoreDeps,
  appId: string,
  ttlSeconds: number,
  now = new Date(),
): Promise<IssuedTemporaryCredential> {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new RangeError("ttl must be a positive number of seconds");
  await requireAccount(deps.db, appId);
  const secretId = newSecretId();
  const secretKey = randomText(32);
  const token = randomText(64);
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
  await deps.db.insert(apiKeys).values({
    secretId,
    appId,
    secretKeyEnc: deps.box.seal(secretKey),
    sessionTokenHash: hashSessionToken(token),
    expiresAt,
    description: "temporary",
  });
  return { appId, secretId, secretKey, token, expiresAt };
}

export async function listKeys(db: Db, appId?: string): Promise<KeyInfo[]> {
  const rows = await db
    .select()
    .from(apiKeys)
    .where(appId === undefined ? undefined : eq(apiKeys.appId, appId))
    .orderBy(asc(apiKeys.createdAt));
  return rows.map((r) => ({
    secretId: r.secretId,
    appId: r.appId,
    description: r.description,
    temporary: r.sessionTokenHash !== null,
    expiresAt: r.expiresAt,
    createdAt: r.createdAt,
    revokedAt: r.revokedAt,
  }));
}

/** True when a live key was revoked. */
export async function revokeKey(db: Db, secretId: string, now = new Date()): Promise<boolean> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.secretId, secretId), isNull(apiKeys.revokedAt)))
    .returning({ secretId: apiKeys.secretId });
  return rows.length > 0;
}

/** The unrevoked key with this SecretId, secret unsealed; `undefined` if unknown, revoked or unreadable. */
export async function findVerificationKey(deps: KeyStoreDeps, secretId: string): Promise<VerificationKey | undefined> {
  const row = (
    await deps.db
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.secretId, secretId), isNull(apiKeys.revokedAt)))
  )[0];
  if (!row) return undefined;
  const secretKey = deps.box.open(row.secretKeyEnc);
  if (secretKey === undefined) return undefined;
  return { appId: row.appId, secretKey, sessionTokenHash: row.sessionTokenHash, expiresAt: row.expiresAt };
}

/**
 * First start: `IVC_SECRET_ID`/`IVC_SECRET_KEY` become a key of `appId` (account created if missing).
 * Idempotent; an existing key with that SecretId is left as it is.
 */
export async function seedKey(deps: KeyStoreDeps, appId: string, secretId: string, secretKey: string): Promise<boolean> {
  if (!(await findAccount(deps.db, appId))) await createAccount(deps.db, "default", appId);
  const rows = await deps.db
    .insert(apiKeys)
    .values({ secretId, appId, secretKeyEnc: deps.box.seal(secretKey), description: "seeded from IVC_SECRET_ID" })
    .onConflictDoNothing()
    .returning({ secretId: apiKeys.secretId });
  return rows.length > 0;
}
