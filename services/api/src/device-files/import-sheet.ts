import type { CellValue, Row } from "exceljs";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import { loadExcel } from "./excel.js";
import type { TemplateColumn } from "./template-columns.js";
import { EXAMPLE_ROW } from "./template-columns.js";
import { openWorkbookArchive } from "./workbook-archive.js";

/** A data row of the sheet: its row number in the sheet and one text per template column. */
export interface SheetRow {
  readonly number: number;
  readonly cells: readonly string[];
}

const tampered = (detail: string) => refuse(ErrorCodes.ImportFileTampered, detail);

function columnLetter(index: number): string {
  let letters = "";
  for (let n = index; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

type CellText = { ok: true; text: string } | { ok: false; why: string };

/**
 * A cell as text. Formulas are refused, not read by their cached value: a file written by a script
 * has none, and a value the user never sees typed is not what they mean to import.
 */
function cellText(value: CellValue): CellText {
  if (value === null || value === undefined) return { ok: true, text: "" };
  if (typeof value === "string") return { ok: true, text: value.trim() };
  if (typeof value === "number" || typeof value === "boolean") return { ok: true, text: String(value) };
  if (value instanceof Date) return { ok: false, why: "holds a date" };
  if ("formula" in value || "sharedFormula" in value) return { ok: false, why: "holds a formula; enter the value itself" };
  if ("error" in value) return { ok: false, why: `holds the error value ${value.error}` };
  if ("richText" in value) return { ok: true, text: value.richText.map((part) => part.text).join("").trim() };
  if ("text" in value) return { ok: true, text: String(value.text).trim() };
  return { ok: false, why: "holds a value that is not text" };
}

function rowTexts(row: Row, width: number): Outcome<string[]> {
  const values = row.values as CellValue[];
  const texts: string[] = [];
  for (let i = 1; i < values.length; i++) {
    const cell = cellText(values[i]);
    if (!cell.ok) return tampered(`cell ${columnLetter(i)}${row.number} ${cell.why}`);
    if (i > width && cell.text !== "") return tampered(`cell ${columnLetter(i)}${row.number} is outside the template's ${width} columns`);
    if (i <= width) texts[i - 1] = cell.text;
  }
  return succeed(Array.from({ length: width }, (_, i) => texts[i] ?? ""));
}

function isExample(columns: readonly TemplateColumn[], cells: readonly string[]): boolean {
  return columns.every((column, i) => column.field === "ClusterId" || cells[i] === EXAMPLE_ROW[column.field]);
}

/**
 * Reads the one sheet of an uploaded template: the header row must be the template's (41614), at
 * most `maxRows` device rows (41615). Empty rows and the template's example row are skipped.
 */
export async function readImportSheet(file: Buffer, columns: readonly TemplateColumn[], maxRows: number): Promise<Outcome<SheetRow[]>> {
  const archive = await openWorkbookArchive(file);
  if (!archive.ok) return archive;
  const ExcelJS = await loadExcel();
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(archive.value, { sharedStrings: "cache", hyperlinks: "ignore", styles: "ignore", worksheets: "emit", entries: "ignore" });
  const rows: SheetRow[] = [];
  let header: string[] | undefined;
  try {
    for await (const sheet of reader) {
      for await (const row of sheet) {
        const texts = rowTexts(row, columns.length);
        if (!texts.ok) return texts;
        if (header === undefined) {
          if (row.number !== 1) return tampered("row 1 must be the template's header row");
          header = texts.value;
          const expected = columns.map((c) => c.header);
          if (header.join("\u0000") !== expected.join("\u0000")) return tampered(`the header row must be ${expected.join(" | ")} (this AccessProtocol's template)`);
          continue;
        }
        if (texts.value.every((t) => t === "") || isExample(columns, texts.value)) continue;
        if (rows.length === maxRows) return refuse(ErrorCodes.ImportTooManyDevices, `the sheet has more than ${maxRows} device rows`);
        rows.push({ number: row.number, cells: texts.value });
      }
    }
  } catch {
    return tampered("the sheet's XML cannot be read");
  }
  if (header === undefined) return tampered("the sheet is empty: row 1 must be the template's header row");
  if (rows.length === 0) return tampered("the sheet has no device rows under the header");
  return succeed(rows);
}
