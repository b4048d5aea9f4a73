import { readImportSheet } from "../device-files/import-sheet.js";
import type { ImportProtocol } from "../device-files/template-columns.js";
import { MAX_IMPORT_ROWS, TEMPLATE_COLUMNS } from "../device-files/template-columns.js";
import { resultWorkbook, templateWorkbook } from "../device-files/workbooks.js";
import { ErrorCodes } from "../errors/codes.js";
import { refuse, succeed } from "../errors/outcome.js";
import { FileDownload } from "../http/file-download.js";
import { defineRoute } from "../http/route.js";
import type { ApiRoute } from "../http/route.js";
import { createImportJob, findImportJob, importResultRows } from "../store/device-import-jobs.js";
import type { ImportJob } from "../store/device-import-jobs.js";
import { AccessProtocol } from "../store/device-enums.js";
import { organizationExists } from "../store/organizations.js";
import { listServiceNodes } from "../store/service-nodes.js";
import { organizationId } from "../validation/device-fields.js";
import { int, str } from "../validation/rules.js";
import { UUID_PATTERN } from "../validation/patterns.js";
import * as data from "./data-schemas.js";
import type { RouteDeps } from "./deps.js";

const TAG = "device import";
const PROTOCOL_NAMES: Record<ImportProtocol, string> = { [AccessProtocol.Rtmp]: "RTMP", [AccessProtocol.Gb]: "GB28181" };

const accessProtocol = int({ required: true, description: "1 RTMP, 2 GB28181", values: [AccessProtocol.Rtmp, AccessProtocol.Gb], invalid: ErrorCodes.InvalidAccessProtocol });
const jobId = str({ required: true, description: "The import's JobId, a UUID the caller generated for §10", pattern: UUID_PATTERN });
const optionalOrganizationId = { ...organizationId, required: false as const };

function progress(job: ImportJob) {
  const processed = job.succeeded + job.failed;
  const finished = job.finishedAt !== null;
  return {
    State: finished ? 1 : 0,
    // Rounded down, so 1 is never shown before the job is finished.
    Rate: finished ? 1 : Math.floor((processed / job.total) * 100) / 100,
    Total: job.total,
    Succeed: job.succeeded,
    Failed: job.failed,
  };
}

function resultFileName(job: ImportJob): string {
  const base = job.fileName.replace(/\.xlsx$/i, "");
  return `导入结果-${base === "" ? job.jobId : base}.xlsx`;
}

export function deviceImportRoutes(deps: RouteDeps): ApiRoute[] {
  const { db, box, deviceImports } = deps;
  const findJob = async (appId: string, id: string) => {
    const job = await findImportJob(db, appId, id);
    return job ? succeed(job) : refuse(ErrorCodes.RecordNotFound, `JobId ${id} is not an import of this account`);
  };
  return [
    defineRoute({
      method: "GET",
      url: "/ivc/cms/device/export/template",
      summary: "导出设备模板 The .xlsx import template of an access protocol (spec 02 §13)",
      tag: TAG,
      query: { AccessProtocol: accessProtocol },
      data: data.xlsxDownload,
      async handle(_caller, { query }) {
        const protocol = query.AccessProtocol as ImportProtocol;
        const nodes = await listServiceNodes(db);
        const file = await templateWorkbook(
          protocol,
          nodes.map((n) => n.name),
        );
        return succeed(new FileDownload(`设备导入模板-${PROTOCOL_NAMES[protocol]}.xlsx`, file));
      },
    }),
    defineRoute({
      method: "POST",
      url: "/ivc/cms/device/import/sync",
      summary: "导入设备 Import devices from the filled-in template (multipart: JobId, AccessProtocol, OrganizationId, File); rows are added in the background (spec 02 §10)",
      tag: TAG,
      query: {},
      form: { files: "buffers" },
      body: {
        JobId: jobId,
        AccessProtocol: accessProtocol,
        OrganizationId: optionalOrganizationId,
        // The seed's example spells it so (spec 02 §10).
        Organization_id: optionalOrganizationId,
      },
      data: data.nullData,
      async handle(caller, { body, files }) {
        const organizationText = body.OrganizationId ?? body.Organization_id;
        if (organizationText === undefined) return refuse(ErrorCodes.InvalidParameter, "OrganizationId is required");
        const file = files["File"];
        if (!file) return refuse(ErrorCodes.InvalidParameter, "File is required (the filled-in template, .xlsx)");
        if (!(await organizationExists(db, caller.appId, Number(organizationText)))) {
          return refuse(ErrorCodes.RecordNotFound, `OrganizationId ${organizationText} is not an organization`);
        }
        if (await findImportJob(db, caller.appId, body.JobId)) {
          return refuse(ErrorCodes.ParameterValidationFailed, `JobId ${body.JobId} was already used; generate a new UUID for each import`);
        }
        const protocol = body.AccessProtocol as ImportProtocol;
        const rows = await readImportSheet(file.data, TEMPLATE_COLUMNS[protocol], MAX_IMPORT_ROWS);
        if (!rows.ok) return rows;
        const created = await createImportJob(db, box, {
          appId: caller.appId,
          jobId: body.JobId,
          accessProtocol: protocol,
          organizationId: Number(organizationText),
          fileName: file.fileName,
          rows: rows.value,
        });
        if (!created.ok) return created;
        deviceImports.start(caller.appId, body.JobId);
        return succeed(null);
      },
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/cms/device/import/progress",
      summary: "查询导入设备进度 Progress of an import: State 0 running / 1 finished, Rate 0–1 (spec 02 §11)",
      tag: TAG,
      query: { JobId: jobId },
      data: data.importProgress,
      async handle(caller, { query }) {
        const job = await findJob(caller.appId, query.JobId);
        return job.ok ? succeed(progress(job.value)) : job;
      },
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/cms/device/import/result",
      summary: "导出设备导入结果 The rows of a finished import as .xlsx, each with its device code or the reason it was refused (spec 02 §12)",
      tag: TAG,
      query: { JobId: jobId },
      data: data.xlsxDownload,
      async handle(caller, { query }) {
        const job = await findJob(caller.appId, query.JobId);
        if (!job.ok) return job;
        if (job.value.finishedAt === null) {
          const { Rate } = progress(job.value);
          return refuse(ErrorCodes.ResourceInUse, `JobId ${query.JobId} is still importing (Rate ${Rate}); ask again when its progress has State 1`);
        }
        const protocol = job.value.accessProtocol as ImportProtocol;
        const passwordColumn = TEMPLATE_COLUMNS[protocol].findIndex((c) => c.field === "Password");
        const rows = (await importResultRows(db, box, caller.appId, query.JobId)).map((row) => {
          // A created GB device's password as stored: the one generated for an empty cell is what the camera needs.
          if (row.created && passwordColumn >= 0) row.cells[passwordColumn] = row.password;
          return row;
        });
        return succeed(new FileDownload(resultFileName(job.value), await resultWorkbook(protocol, rows)));
      },
    }),
  ];
}
