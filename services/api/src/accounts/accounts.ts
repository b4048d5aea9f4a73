import { asc, eq } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { accounts } from "../db/schema.js";
import { randomText } from "./random-text.js";

export interface Account {
  readonly appId: string;
  readonly name: string;
  readonly createdAt: Date;
}

/** Tencent AppIds are 10-digit numbers such as 1250000000 (spec 01 §1.3). */
export function isAppId(text: string): boolean {
  return /^[1-9]\d{3,15}$/.test(text);
}

export async function createAccount(db: Db, name = "", appId?: string): Promise<Account> {
  if (appId !== undefined && !isAppId(appId)) throw new RangeError(`AppId ${appId} is not a number of 4–16 digits`);
  for (;;) {
    const candidate = appId ?? `1${randomText(9, "0123456789")}`;
    const rows = await db.insert(accounts).values({ appId: candidate, name }).onConflictDoNothing().returning();
    const row = rows[0];
    if (row) return row;
    if (appId !== undefined) throw new RangeError(`account ${appId} already exists`);
  }
}

export async function findAccount(db: Db, appId: string): Promise<Account | undefined> {
  return (await db.select().from(accounts).where(eq(accounts.appId, appId)))[0];
}

export async function listAccounts(db: Db): Promise<Account[]> {
  return db.select().from(accounts).orderBy(asc(accounts.createdAt));
}
