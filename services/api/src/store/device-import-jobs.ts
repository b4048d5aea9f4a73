import { and, asc, eq, isNull, lt, sql } from "drizzle-orm";
import type { SecretBox } from "../accounts/secret-box.js";
import type { Db } from "../db/database.js";
import { deviceImportJobs, deviceImportRows, devices } from "../db/schema.js";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import { openDevicePassword } from "./device-passwords.js";

export type ImportJob = typeof deviceImportJobs.$inferSelect;

export const RowState = { Pending: 0, Created: 1, Refused: 2 } as const;

/** Finished jobs are kept this long for progress and result; after that their JobId may be used again. */
export const JOB_RETENTION_DAYS = 30;
const INSERT_BATCH = 1000;

export interface NewImportJob {
  readonly appId: string;
  readonly jobId: string;
  readonly accessProtocol: number;
  readonly organizationId: number;
  readonly fileName: string;
  readonly rows: ReadonlyArray<{ number: number; cells: readonly string[] }>;
}

function sealCells(box: SecretBox, cells: readonly string[]): string {
  return box.seal(JSON.stringify(cells));
}

function openCells(box: SecretBox, sealed: string): string[] {
  const plain = box.open(sealed);
  if (plain === undefined) throw new Error("an import row was sealed with another master key (IVC_MASTER_KEY or master.key changed)");
  return JSON.parse(plain) as string[];
}

/** The job and all its rows (pending), or 40005 when the account already has a job with this JobId. */
export async function createImportJob(db: Db, box: SecretBox, job: NewImportJob): Promise<Outcome<null>> {
  return db.transaction(async (tx) => {
    await tx
      .delete(deviceImportJobs)
      .where(and(eq(deviceImportJobs.appId, job.appId), lt(deviceImportJobs.finishedAt, sql`now() - make_interval(days => ${JOB_RETENTION_DAYS})`)));
    const inserted = await tx
      .insert(deviceImportJobs)
      .values({
        appId: job.appId,
        jobId: job.jobId,
        accessProtocol: job.accessProtocol,
        organizationId: job.organizationId,
        fileName: job.fileName,
        total: job.rows.length,
      })
      .onConflictDoNothing()
      .returning({ jobId: deviceImportJobs.jobId });
    if (inserted.length === 0) return refuse(ErrorCodes.ParameterValidationFailed, `JobId ${job.jobId} was already used; generate a new UUID for each import`);
    for (let i = 0; i < job.rows.length; i += INSERT_BATCH) {
      await tx.insert(deviceImportRows).values(
        job.rows.slice(i, i + INSERT_BATCH).map((row) => ({ appId: job.appId, jobId: job.jobId, rowNumber: row.number, cellsEnc: sealCells(box, row.cells) })),
      );
    }
    return succeed(null);
  });
}

export async function findImportJob(db: Db, appId: string, jobId: string): Promise<ImportJob | undefined> {
  return (await db.select().from(deviceImportJobs).where(and(eq(deviceImportJobs.appId, appId), eq(deviceImportJobs.jobId, jobId))))[0];
}

/** Jobs whose rows are not all processed (an API stopped mid-import resumes them). */
export async function unfinishedImportJobs(db: Db): Promise<Array<{ appId: string; jobId: string }>> {
  return db
    .select({ appId: deviceImportJobs.appId, jobId: deviceImportJobs.jobId })
    .from(deviceImportJobs)
    .where(isNull(deviceImportJobs.finishedAt))
    .orderBy(asc(deviceImportJobs.createdAt));
}

export interface PendingRow {
  readonly number: number;
  readonly cells: string[];
}

export async function pendingImportRows(db: Db, box: SecretBox, appId: string, jobId: string, limit: number): Promise<PendingRow[]> {
  const rows = await db
    .select({ number: deviceImportRows.rowNumber, cellsEnc: deviceImportRows.cellsEnc })
    .from(deviceImportRows)
    .where(and(eq(deviceImportRows.appId, appId), eq(deviceImportRows.jobId, jobId), eq(deviceImportRows.state, RowState.Pending)))
    .orderBy(asc(deviceImportRows.rowNumber))
    .limit(limit);
  return rows.map((r) => ({ number: r.number, cells: openCells(box, r.cellsEnc) }));
}

export type RowOutcome = { readonly created: true; readonly deviceId: string } | { readonly created: false; readonly errorCode: number; readonly reason: string };

/** Records the rows' outcomes and counts them; in the transaction that created their devices, so a row is done exactly once. */
export async function recordImportRows(db: Db, appId: string, jobId: string, rows: ReadonlyArray<{ number: number; outcome: RowOutcome }>): Promise<void> {
  if (rows.length === 0) return;
  const column = <T>(pick: (o: RowOutcome) => T) => rows.map((r) => pick(r.outcome));
  const numbers = rows.map((r) => r.number);
  const states = column((o) => (o.created ? RowState.Created : RowState.Refused));
  const deviceIds = column((o) => (o.created ? o.deviceId : null));
  const codes = column((o) => (o.created ? null : o.errorCode));
  const reasons = column((o) => (o.created ? "" : o.reason));
  await db.execute(sql`
    UPDATE device_import_rows r SET state = u.state, device_id = u.device_id, error_code = u.error_code, reason = u.reason
    FROM unnest(${sql.param(numbers)}::int[], ${sql.param(states)}::smallint[], ${sql.param(deviceIds)}::uuid[], ${sql.param(codes)}::int[], ${sql.param(reasons)}::text[]) AS u(row_number, state, device_id, error_code, reason)
    WHERE r.app_id = ${appId} AND r.job_id = ${jobId} AND r.row_number = u.row_number`);
  const created = rows.filter((r) => r.outcome.created).length;
  await db
    .update(deviceImportJobs)
    .set({ succeeded: sql`${deviceImportJobs.succeeded} + ${created}`, failed: sql`${deviceImportJobs.failed} + ${rows.length - created}` })
    .where(and(eq(deviceImportJobs.appId, appId), eq(deviceImportJobs.jobId, jobId)));
}

export async function finishImportJob(db: Db, appId: string, jobId: string): Promise<void> {
  await db
    .update(deviceImportJobs)
    .set({ finishedAt: new Date() })
    .where(and(eq(deviceImportJobs.appId, appId), eq(deviceImportJobs.jobId, jobId), isNull(deviceImportJobs.finishedAt)));
}

export interface ImportResultRow {
  readonly number: number;
  readonly cells: string[];
  readonly created: boolean;
  readonly deviceId: string;
  readonly deviceCode: string;
  /** The device's password as stored (generated when the row gave none); "" when refused or deleted since. */
  readonly password: string;
  readonly errorCode: number | undefined;
  readonly reason: string;
}

/** Every row of a job in sheet order, with the code of the device it created (if that device still exists). */
export async function importResultRows(db: Db, box: SecretBox, appId: string, jobId: string): Promise<ImportResultRow[]> {
  const rows = await db
    .select({ row: deviceImportRows, code: devices.code, passwordEnc: devices.passwordEnc })
    .from(deviceImportRows)
    .leftJoin(devices, and(eq(devices.id, deviceImportRows.deviceId), eq(devices.appId, deviceImportRows.appId)))
    .where(and(eq(deviceImportRows.appId, appId), eq(deviceImportRows.jobId, jobId)))
    .orderBy(asc(deviceImportRows.rowNumber));
  return rows.map(({ row, code, passwordEnc }) => ({
    number: row.rowNumber,
    cells: openCells(box, row.cellsEnc),
    created: row.state === RowState.Created,
    deviceId: row.deviceId ?? "",
    deviceCode: code ?? "",
    password: passwordEnc ? openDevicePassword(box, passwordEnc) : "",
    errorCode: row.errorCode ?? undefined,
    reason: row.reason,
  }));
}
