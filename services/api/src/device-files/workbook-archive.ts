import type { Readable } from "node:stream";
import yauzl from "yauzl";
import yazl from "yazl";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";

/** Bounds checked on the zip's central directory before anything is inflated (zip bombs). */
export const ARCHIVE_LIMITS = {
  /** An Excel workbook has a dozen entries. */
  maxEntries: 1000,
  /** Declared uncompressed size of the entries the reader needs, added up; a 5,000-row sheet is about 1.5 MiB. */
  maxInflatedBytes: 48 * 1024 * 1024,
};

const WORKBOOK = "xl/workbook.xml";
const WORKBOOK_RELS = "xl/_rels/workbook.xml.rels";
const SHARED_STRINGS = "xl/sharedStrings.xml";
/** What the streaming reader looks for (exceljs matches `xl/worksheets/sheetN.xml`). */
const READER_SHEET = "xl/worksheets/sheet1.xml";
/** Every part that is a sheet of the workbook, whatever its kind. */
const SHEET_PART = /^xl\/(worksheets|chartsheets|dialogsheets|macrosheets)\/[^/]+\.xml$/;

const notWorkbook = (why: string) => refuse(ErrorCodes.ImportFileTampered, `the file is not an .xlsx workbook: ${why}`);

async function openZip(file: Buffer): Promise<yauzl.ZipFile | undefined> {
  try {
    return await yauzl.fromBufferPromise(file, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false });
  } catch {
    return undefined;
  }
}

async function inflate(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  const stream = await zip.openReadStreamPromise(entry);
  const chunks: Buffer[] = [];
  let size = 0;
  // yauzl (validateEntrySizes) already fails an entry that inflates past its declared size; this
  // bound holds even if that check were off.
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > entry.uncompressedSize) throw new Error("entry inflates past its declared size");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Checks an uploaded .xlsx as a zip and hands the streaming reader a zip of only the parts it
 * reads, inflated here under bounds and stored uncompressed: the reader never inflates what the
 * upload declared, so a zip bomb or a zip whose local headers lie about sizes cannot reach it.
 * 41614: not a zip, not a workbook, encrypted or oversized parts; 41616: more than one sheet.
 */
export async function openWorkbookArchive(file: Buffer): Promise<Outcome<Readable>> {
  const zip = await openZip(file);
  if (!zip) return notWorkbook("it is not a zip archive");
  if (zip.entryCount > ARCHIVE_LIMITS.maxEntries) return notWorkbook(`it has ${zip.entryCount} zip entries (at most ${ARCHIVE_LIMITS.maxEntries})`);
  const wanted = new Map<string, yauzl.Entry>();
  const sheets: yauzl.Entry[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      if (SHEET_PART.test(entry.fileName)) sheets.push(entry);
      else if (entry.fileName === WORKBOOK || entry.fileName === WORKBOOK_RELS || entry.fileName === SHARED_STRINGS) wanted.set(entry.fileName, entry);
    }
  } catch {
    return notWorkbook("its zip directory is damaged");
  }
  if (!wanted.has(WORKBOOK)) return notWorkbook(`it has no ${WORKBOOK}`);
  if (sheets.length !== 1) {
    return sheets.length === 0 ? notWorkbook("it has no sheet") : refuse(ErrorCodes.ImportTooManySheets, `the workbook has ${sheets.length} sheets; the template has one`);
  }
  const sheet = sheets[0] as yauzl.Entry;
  if (!sheet.fileName.startsWith("xl/worksheets/")) return notWorkbook("its sheet is not a worksheet");
  const parts: Array<[string, yauzl.Entry]> = [...wanted.entries(), [READER_SHEET, sheet]];
  if (parts.some(([, entry]) => entry.isEncrypted())) return notWorkbook("it is encrypted");
  const declared = parts.reduce((sum, [, entry]) => sum + entry.uncompressedSize, 0);
  if (declared > ARCHIVE_LIMITS.maxInflatedBytes) {
    return notWorkbook(`its parts would inflate to ${declared} bytes (at most ${ARCHIVE_LIMITS.maxInflatedBytes})`);
  }
  const stored = new yazl.ZipFile();
  try {
    for (const [name, entry] of parts) stored.addBuffer(await inflate(zip, entry), name, { compress: false });
  } catch {
    return notWorkbook("a part of it does not inflate to its declared size");
  }
  stored.end();
  return succeed(stored.outputStream as Readable);
}
