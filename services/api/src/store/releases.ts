import { desc, eq } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { releases } from "../db/schema.js";

export type ReleaseRow = typeof releases.$inferSelect;

export interface PublishedRelease {
  readonly version: string;
  readonly services: Readonly<Record<string, string>>;
  readonly notes: string;
  readonly file: string;
  readonly sha256: string;
  readonly size: number;
}

/** G6 `LatestVersion`: the most recently published release. */
export async function latestRelease(db: Db): Promise<ReleaseRow | undefined> {
  return (await db.select().from(releases).orderBy(desc(releases.publishedAt)).limit(1))[0];
}

export async function findRelease(db: Db, version: string): Promise<ReleaseRow | undefined> {
  return (await db.select().from(releases).where(eq(releases.version, version)))[0];
}

/**
 * Records a published bundle as the latest release. Publishing the same bytes again makes that
 * version the latest again; different bytes under a published version are refused, because boxes
 * may have verified and installed the first ones under that name.
 */
export async function recordRelease(db: Db, release: PublishedRelease, now = new Date()): Promise<{ ok: true } | { ok: false; reason: string }> {
  const existing = await findRelease(db, release.version);
  if (existing && existing.sha256 !== release.sha256) {
    return { ok: false, reason: `version ${release.version} is already published with other content (sha256 ${existing.sha256})` };
  }
  await db
    .insert(releases)
    .values({ ...release, services: { ...release.services }, publishedAt: now })
    .onConflictDoUpdate({ target: releases.version, set: { publishedAt: now } });
  return { ok: true };
}
