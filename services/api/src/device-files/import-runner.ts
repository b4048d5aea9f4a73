import type { FastifyBaseLogger } from "fastify";
import type { SecretBox } from "../accounts/secret-box.js";
import type { DeviceControl } from "../bus/device-control.js";
import type { Db } from "../db/database.js";
import { ErrorCodes } from "../errors/codes.js";
import type { PendingRow, RowOutcome } from "../store/device-import-jobs.js";
import { finishImportJob, findImportJob, pendingImportRows, recordImportRows, unfinishedImportJobs } from "../store/device-import-jobs.js";
import { addDevices } from "../store/devices.js";
import { listServiceNodes } from "../store/service-nodes.js";
import type { ServiceNode } from "../store/service-nodes.js";
import { newDeviceFields } from "../validation/device-fields.js";
import type { FieldRule } from "../validation/rules.js";
import { validate } from "../validation/validate.js";
import type { ImportProtocol, TemplateColumn } from "./template-columns.js";
import { TEMPLATE_COLUMNS } from "./template-columns.js";

export interface DeviceImportRunner {
  /** Processes the job's pending rows in the background; a job already running is not started twice. */
  start(appId: string, jobId: string): void;
  /** Starts every job an earlier API process left unfinished. */
  resumeUnfinished(): Promise<void>;
  /** Resolves when the job is not running in this process (tests, bench). */
  settled(appId: string, jobId: string): Promise<void>;
  /** Stops after the chunk in progress; unfinished jobs resume at the next start. */
  close(): Promise<void>;
}

export interface DeviceImportRunnerDeps {
  readonly db: Db;
  readonly box: SecretBox;
  readonly control: DeviceControl;
  readonly logger?: FastifyBaseLogger | undefined;
  /** Rows per transaction (one commit, and one progress step, per chunk). */
  readonly chunkRows?: number;
  /** Called after each committed chunk; tests hold the job here to see its progress mid-way. */
  readonly afterChunk?: (job: { appId: string; jobId: string }) => Promise<void>;
}

const DEFAULT_CHUNK_ROWS = 100;
const RETRY_AFTER_MS = 5000;

/** The row as device/add's body; enumerated cells are labels (IPC, UDP …) or their numbers. */
function rowInput(columns: readonly TemplateColumn[], cells: readonly string[], accessProtocol: number, organizationId: number, nodes: readonly ServiceNode[]) {
  const input: Record<string, unknown> = { AccessProtocol: accessProtocol, OrganizationId: String(organizationId) };
  for (const [i, column] of columns.entries()) {
    const text = cells[i] ?? "";
    if (text === "") continue;
    if (column.choices) {
      const choice = column.choices.find((c) => c.label.toLowerCase() === text.toLowerCase() || String(c.value) === text);
      if (!choice) {
        const rule: FieldRule = newDeviceFields[column.field];
        const error = rule.invalid ?? ErrorCodes.ParameterValidationFailed;
        return { ok: false as const, failure: { error, detail: `${column.field} (${column.header}) must be one of ${column.choices.map((c) => c.label).join(", ")}` } };
      }
      input[column.field] = choice.value;
    } else if (column.field === "ClusterId") {
      input["ClusterId"] = nodes.find((n) => n.id === text.toLowerCase() || n.name === text)?.id ?? text;
    } else {
      input[column.field] = text;
    }
  }
  if (input["ClusterId"] === undefined && nodes.length === 1) input["ClusterId"] = nodes[0]?.id;
  return validate(newDeviceFields, input, "body");
}

const refused = (failure: { error: { statusCode: number; message: string }; detail: string }): RowOutcome => ({
  created: false,
  errorCode: failure.error.statusCode,
  reason: `${failure.error.message}: ${failure.detail}`,
});

export function createDeviceImportRunner(deps: DeviceImportRunnerDeps): DeviceImportRunner {
  const { db, box, control, logger } = deps;
  const chunkRows = deps.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const running = new Map<string, Promise<void>>();
  let closed = false;

  /** One transaction: the rows' devices (device/add's checks and store code, as a batch) and their outcomes. */
  async function importRows(appId: string, jobId: string, rows: readonly PendingRow[], inputs: ReadonlyArray<ReturnType<typeof rowInput>>): Promise<string[]> {
    return db.transaction(async (tx) => {
      const valid = inputs.flatMap((input, i) => (input.ok ? [{ i, value: input.value }] : []));
      const added = await addDevices(tx, box, appId, valid.map((v) => v.value));
      const outcomes: RowOutcome[] = inputs.map((input) => (input.ok ? { created: false, errorCode: 0, reason: "" } : refused(input.failure)));
      const codes: string[] = [];
      valid.forEach((v, k) => {
        const result = added[k];
        if (!result) return;
        if (result.ok) codes.push(result.value.Code);
        outcomes[v.i] = result.ok ? { created: true, deviceId: result.value.Id } : refused(result.failure);
      });
      await recordImportRows(tx, appId, jobId, rows.map((row, i) => ({ number: row.number, outcome: outcomes[i] as RowOutcome })));
      return codes;
    });
  }

  async function runChunk(appId: string, jobId: string, protocol: ImportProtocol, organizationId: number, nodes: ServiceNode[]): Promise<boolean> {
    const rows = await pendingImportRows(db, box, appId, jobId, chunkRows);
    if (rows.length === 0) return false;
    const columns = TEMPLATE_COLUMNS[protocol];
    const inputs = rows.map((row) => rowInput(columns, row.cells, protocol, organizationId, nodes));
    let created: string[] = [];
    try {
      created = await importRows(appId, jobId, rows, inputs);
    } catch (err) {
      // One row the database refuses must not hold the job: the chunk goes again row by row, and a
      // row that still fails is refused with 50000.
      logger?.warn({ err, appId, jobId, stage: "device import: add devices" }, "import chunk failed; retrying its rows one by one");
      for (const [i, row] of rows.entries()) {
        try {
          created.push(...(await importRows(appId, jobId, [row], [inputs[i] as ReturnType<typeof rowInput>])));
        } catch (rowErr) {
          logger?.error({ err: rowErr, appId, jobId, rowNumber: row.number, stage: "device import: add device" }, "import row failed");
          await recordImportRows(db, appId, jobId, [{ number: row.number, outcome: refused({ error: ErrorCodes.OperationFailed, detail: "internal error while adding the device" }) }]);
        }
      }
    }
    // After the commit: the sip-server asks for a device's credentials when told of it.
    for (const code of created) control.deviceChanged(code, "upserted");
    await deps.afterChunk?.({ appId, jobId });
    return true;
  }

  async function run(appId: string, jobId: string): Promise<void> {
    const job = await findImportJob(db, appId, jobId);
    if (!job || job.finishedAt) return;
    const nodes = await listServiceNodes(db);
    const log = logger?.child({ appId, jobId, stage: "device import" });
    log?.info({ total: job.total }, "device import started");
    while (!closed) {
      try {
        if (!(await runChunk(appId, jobId, job.accessProtocol as ImportProtocol, job.organizationId, nodes))) {
          await finishImportJob(db, appId, jobId);
          const done = await findImportJob(db, appId, jobId);
          log?.info({ total: job.total, succeeded: done?.succeeded, failed: done?.failed }, "device import finished");
          return;
        }
      } catch (err) {
        if (closed) return;
        log?.error({ err }, "device import chunk failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_MS).unref());
      }
    }
  }

  const key = (appId: string, jobId: string) => `${appId}/${jobId}`;
  const runner: DeviceImportRunner = {
    start(appId, jobId) {
      if (closed || running.has(key(appId, jobId))) return;
      const job = run(appId, jobId)
        .catch((err: unknown) => logger?.error({ err, appId, jobId, stage: "device import" }, "device import stopped"))
        .finally(() => running.delete(key(appId, jobId)));
      running.set(key(appId, jobId), job);
    },
    async resumeUnfinished() {
      for (const job of await unfinishedImportJobs(db)) runner.start(job.appId, job.jobId);
    },
    async settled(appId, jobId) {
      await running.get(key(appId, jobId));
    },
    async close() {
      closed = true;
      await Promise.all(running.values());
    },
  };
  return runner;
}
