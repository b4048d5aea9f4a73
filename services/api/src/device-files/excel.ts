import { PassThrough } from "node:stream";
import type ExcelJS from "exceljs";
import type { DataValidation, Worksheet } from "exceljs";
import { SHEET_NAME } from "./template-columns.js";

type ExcelModule = typeof ExcelJS;

let loading: Promise<ExcelModule> | undefined;

/**
 * exceljs, loaded on first use: it pulls in a zip writer, a zip reader and a CSV library, which an
 * API start that serves no import or export should not pay for (bench/api/start.mjs).
 */
export function loadExcel(): Promise<ExcelModule> {
  // A CommonJS module: its namespace arrives as `default`.
  loading ??= import("exceljs").then((m) => m.default);
  return loading;
}

/** A sheet of the streaming writer: rows are committed (written out) as they are added. */
export interface SheetWriter {
  /** `header`: the row is bold (the header row). */
  addRow(values: readonly (string | number)[], header?: boolean): void;
  /** A drop-down list (Excel's data validation) over `range`, e.g. `B3:B5002`. */
  addList(range: string, labels: readonly string[], title: string): void;
}

/** Excel refuses a list whose formula text is longer than this. */
const MAX_LIST_FORMULA = 255;

/**
 * Writes a one-sheet .xlsx with the streaming writer and answers its bytes: `columns` gives widths
 * and text formats, `fill` adds the rows. The file is kept whole (it is small: 5,000 devices are
 * ~150 KiB) so that a failure while filling is still answered in the JSON envelope.
 */
export async function writeSheet(columns: ReadonlyArray<{ width: number; text?: boolean }>, fill: (sheet: SheetWriter) => Promise<void>): Promise<Buffer> {
  const ExcelJS = await loadExcel();
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    out.on("end", resolve);
    out.on("error", reject);
  });
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  const sheet: Worksheet = book.addWorksheet(SHEET_NAME, { views: [{ state: "frozen", ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({ width: c.width, ...(c.text ? { style: { numFmt: "@" } } : {}) }));
  const validations = (sheet as unknown as { dataValidations: { add(range: string, rule: DataValidation): void } }).dataValidations;
  await fill({
    addRow(values, header = false) {
      const row = sheet.addRow([...values]);
      if (header) row.font = { bold: true };
      row.commit();
    },
    addList(range, labels, title) {
      const formula = `"${labels.join(",")}"`;
      if (formula.length > MAX_LIST_FORMULA || labels.some((l) => l.includes(",") || l.includes('"'))) return;
      validations.add(range, { type: "list", allowBlank: true, formulae: [formula], showErrorMessage: true, errorTitle: title, error: `请从列表中选择：${labels.join("、")}` });
    },
  });
  sheet.commit();
  await book.commit();
  await ended;
  return Buffer.concat(chunks);
}
