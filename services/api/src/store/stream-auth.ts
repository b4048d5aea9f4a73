import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { streamAuthConfigs } from "../db/schema.js";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";

/** `PushState` / `PullState` (spec 01 §5.8). */
export const AuthState = { Off: 0, On: 1 } as const;

/** The config as spec 01 §5.8–5.9 print it; expiries are minutes. */
export interface StreamAuthView {
  Id: string;
  PushState: number;
  PushSecret: string;
  PushExpired: number;
  PullState: number;
  PullSecret: string;
  PullExpired: number;
}

/** How URLs of one direction are signed; absent when that direction's authentication is off. */
export interface UrlSigning {
  readonly secret: string;
  readonly validSeconds: number;
}

/** Both directions' signing of one account. */
export interface StreamSigning {
  readonly push: UrlSigning | undefined;
  readonly pull: UrlSigning | undefined;
}

type Row = typeof streamAuthConfigs.$inferSelect;

function view(row: Row): StreamAuthView {
  return {
    Id: row.id,
    PushState: row.pushState,
    PushSecret: row.pushSecret,
    PushExpired: row.pushExpiredMinutes,
    PullState: row.pullState,
    PullSecret: row.pullSecret,
    PullExpired: row.pullExpiredMinutes,
  };
}

function signing(state: number, secret: string, minutes: number): UrlSigning | undefined {
  return state === AuthState.On ? { secret, validSeconds: minutes * 60 } : undefined;
}

function streamSigning(row: Row | undefined): StreamSigning {
  if (!row) return { push: undefined, pull: undefined };
  return {
    push: signing(row.pushState, row.pushSecret, row.pushExpiredMinutes),
    pull: signing(row.pullState, row.pullSecret, row.pullExpiredMinutes),
  };
}

/** The account's row, created with everything off on first use so its `Id` is stable from the first GET on. */
async function ensureRow(db: Db, appId: string): Promise<Row> {
  await db.insert(streamAuthConfigs).values({ appId, id: randomUUID() }).onConflictDoNothing({ target: streamAuthConfigs.appId });
  const row = (await db.select().from(streamAuthConfigs).where(eq(streamAuthConfigs.appId, appId)))[0];
  if (!row) throw new Error(`stream auth config of ${appId} vanished after insert`);
  return row;
}

export async function readStreamAuth(db: Db, appId: string): Promise<StreamAuthView> {
  return view(await ensureRow(db, appId));
}

/** Signing of one account without creating its row: no row means both directions are off. */
export async function findStreamSigning(db: Db, appId: string): Promise<StreamSigning> {
  return streamSigning((await db.select().from(streamAuthConfigs).where(eq(streamAuthConfigs.appId, appId)))[0]);
}

/**
 * Turning a direction on needs a secret to sign with and an expiry of at least a minute: a URL
 * that expires as it is handed out would refuse every push or play (see docs/api-decisions.md).
 */
function checkEnabled(input: StreamAuthView): Outcome<null> {
  for (const side of ["Push", "Pull"] as const) {
    if (input[`${side}State`] !== AuthState.On) continue;
    if (input[`${side}Secret`] === "") {
      return refuse(ErrorCodes.ParameterValidationFailed, `${side}Secret must not be empty when ${side}State is 1`);
    }
    if (input[`${side}Expired`] < 1) {
      return refuse(ErrorCodes.ParameterValidationFailed, `${side}Expired must be 1–60 minutes when ${side}State is 1`);
    }
  }
  return succeed(null);
}

export async function writeStreamAuth(db: Db, appId: string, input: StreamAuthView): Promise<Outcome<StreamAuthView>> {
  const enabled = checkEnabled(input);
  if (!enabled.ok) return enabled;
  await ensureRow(db, appId);
  const rows = await db
    .update(streamAuthConfigs)
    .set({
      pushState: input.PushState,
      pushSecret: input.PushSecret,
      pushExpiredMinutes: input.PushExpired,
      pullState: input.PullState,
      pullSecret: input.PullSecret,
      pullExpiredMinutes: input.PullExpired,
      updatedAt: new Date(),
    })
    .where(and(eq(streamAuthConfigs.appId, appId), eq(streamAuthConfigs.id, input.Id)))
    .returning();
  const row = rows[0];
  if (!row) return refuse(ErrorCodes.RecordNotFound, `Id ${input.Id} is not this account's stream auth config; read it with GET /ivc/cms/config/authstream`);
  return succeed(view(row));
}
