import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { schema } from "./schema.js";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** One connection's worth of raw SQL, for migrations (multi-statement text needs the simple protocol). */
export interface RawSession {
  exec(sqlText: string): Promise<void>;
  rows(sqlText: string, params: readonly unknown[]): Promise<Array<Record<string, unknown>>>;
}

export interface Database {
  readonly db: Db;
  readonly kind: "postgres" | "pglite";
  /** Runs `work` on one dedicated connection. */
  withRawSession<T>(work: (session: RawSession) => Promise<T>): Promise<T>;
  /** Cheap liveness probe for /healthz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
