import { randomUUID } from "node:crypto";
import ExcelJS from "exceljs";
import yazl from "yazl";
import type { IssuedKey } from "../../src/accounts/keys.js";
import type { Harness } from "./harness.js";

export const GB_HEADERS = ["*设备名称", "*设备类型", "传输协议", "设备密码", "设备描述", "服务节点"];
export const RTMP_HEADERS = ["*设备名称", "*设备类型", "设备描述", "服务节点"];
export const XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/** A workbook as a client's Excel would save it: `sheets` of rows (cell values as exceljs takes them). */
export async function workbook(...sheets: Array<Array<Array<ExcelJS.CellValue>>>): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  sheets.forEach((rows, i) => {
    const sheet = book.addWorksheet(`Sheet${i + 1}`);
    for (const row of rows) sheet.addRow(row);
  });
  return Buffer.from(await book.xlsx.writeBuffer());
}

export async function readWorkbook(file: Buffer): Promise<ExcelJS.Workbook> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(file as unknown as ArrayBuffer);
  return book;
}

/** The first sheet's rows as text (empty cells ""), header included. */
export async function sheetTexts(file: Buffer): Promise<string[][]> {
  const sheet = (await readWorkbook(file)).worksheets[0];
  const rows: string[][] = [];
  sheet?.eachRow({ includeEmpty: false }, (row) => {
    const values = row.values as ExcelJS.CellValue[];
    rows.push(Array.from({ length: Math.max(0, values.length - 1) }, (_, i) => (values[i + 1] === undefined || values[i + 1] === null ? "" : String(values[i + 1]))));
  });
  return rows;
}

/** A zip of the given entries (deflated), for files that are zips but not honest workbooks. */
export function zipOf(entries: Record<string, Buffer | string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, data] of Object.entries(entries)) zip.addBuffer(Buffer.isBuffer(data) ? data : Buffer.from(data), name);
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on("data", (c: Buffer) => chunks.push(c));
    zip.outputStream.on("end", () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on("error", reject);
  });
}

/** Rewrites the central directory's uncompressed size of `name`: the entry then lies about how far it inflates. */
export function declareSize(zip: Buffer, name: string, size: number): Buffer {
  const out = Buffer.from(zip);
  for (let i = out.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); i >= 0; i = out.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), i + 4)) {
    const nameLength = out.readUInt16LE(i + 28);
    if (out.subarray(i + 46, i + 46 + nameLength).toString() === name) out.writeUInt32LE(size, i + 24);
  }
  return out;
}

export interface FormFile {
  /** Raw bytes of the file name as sent in the part header (not necessarily UTF-8). */
  readonly name: Buffer | string;
  readonly data: Buffer;
}

export function multipartBody(fields: Record<string, string>, file?: FormFile): { boundary: string; body: Buffer } {
  const boundary = `----ivc${randomUUID().replace(/-/g, "")}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="File"; filename="`),
      Buffer.isBuffer(file.name) ? file.name : Buffer.from(file.name),
      Buffer.from(`"\r\nContent-Type: ${XLSX_MIME}\r\n\r\n`),
      file.data,
      Buffer.from("\r\n"),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { boundary, body: Buffer.concat(parts) };
}

/** POST import/sync as a client's HTTP library would send it. */
export async function postImport(h: Harness, key: IssuedKey, fields: Record<string, string>, file?: FormFile) {
  const { boundary, body } = multipartBody(fields, file);
  const res = await h.send(key, "POST", "/ivc/cms/device/import/sync", { payload: body, headers: { "Content-Type": `multipart/form-data; boundary=${boundary}` } });
  return { res, env: res.json() as { StatusCode: number; Data: unknown; Message: string } };
}
