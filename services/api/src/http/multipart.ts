import multipart from "@fastify/multipart";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";

/** Upload bounds of every multipart/form-data route (device import; certificate upload). */
export const MULTIPART_LIMITS = {
  /** Largest file part: a 5,000-device import is ~200 KiB, a certificate chain a few KiB. */
  fileBytes: 10 * 1024 * 1024,
  files: 4,
  fields: 20,
  fieldBytes: 4096,
  parts: 30,
};

export interface UploadedFile {
  /** As the client named it, decoded as UTF-8. */
  readonly fileName: string;
  readonly mimeType: string;
  readonly data: Buffer;
}

export interface MultipartForm {
  readonly fields: Readonly<Record<string, string>>;
  readonly files: Readonly<Record<string, UploadedFile>>;
}

export const NO_FILES: MultipartForm["files"] = {};

/** Registers the multipart parser; parts are read only when a form route asks (readMultipartForm), after authentication. */
export function registerMultipart(app: FastifyInstance): void {
  const options = {
    // Passed on to busboy, whose default latin1 turns a UTF-8 file name (设备.xlsx) into mojibake.
    defParamCharset: "utf8",
    limits: {
      fileSize: MULTIPART_LIMITS.fileBytes,
      files: MULTIPART_LIMITS.files,
      fields: MULTIPART_LIMITS.fields,
      fieldSize: MULTIPART_LIMITS.fieldBytes,
      parts: MULTIPART_LIMITS.parts,
    },
  };
  void app.register(multipart, options);
}

const invalid = (detail: string) => refuse(ErrorCodes.InvalidParameter, detail);

/** Every framework refusal as a fixed, safe detail (the library's own texts are not echoed). */
const LIMIT_DETAILS: Record<string, string> = {
  FST_REQ_FILE_TOO_LARGE: `a file exceeds ${MULTIPART_LIMITS.fileBytes} bytes (${MULTIPART_LIMITS.fileBytes / 1024 / 1024} MiB)`,
  FST_FILES_LIMIT: `more than ${MULTIPART_LIMITS.files} files`,
  FST_FIELDS_LIMIT: `more than ${MULTIPART_LIMITS.fields} fields`,
  FST_PARTS_LIMIT: `more than ${MULTIPART_LIMITS.parts} parts`,
  FST_PROTO_VIOLATION: "a part is named after an Object prototype property",
  FST_INVALID_JSON_FIELD_ERROR: "a field declared as JSON is not valid JSON",
};

/**
 * Reads a multipart/form-data body whole: fields as text, files as buffers. Every malformed or
 * oversized upload is a 40001 naming what is wrong; a body far over the limit is refused from its
 * Content-Length before any of it is read.
 */
export async function readMultipartForm(request: FastifyRequest): Promise<Outcome<MultipartForm>> {
  if (!request.isMultipart()) return invalid("Content-Type must be multipart/form-data");
  const declared = Number(request.headers["content-length"]);
  const bound = MULTIPART_LIMITS.files * MULTIPART_LIMITS.fileBytes + MULTIPART_LIMITS.parts * MULTIPART_LIMITS.fieldBytes;
  if (Number.isFinite(declared) && declared > bound) return invalid(`the request body (${declared} bytes) exceeds ${bound} bytes; a file may have at most ${MULTIPART_LIMITS.fileBytes} bytes`);
  const fields: Record<string, string> = {};
  const files: Record<string, UploadedFile> = {};
  const seen = new Set<string>();
  try {
    for await (const part of request.parts()) {
      if (seen.has(part.fieldname)) return invalid(`${part.fieldname} is given more than once`);
      seen.add(part.fieldname);
      if (part.type === "file") {
        const data = await part.toBuffer();
        if (part.filename.includes("\uFFFD")) return invalid(`the file name of ${part.fieldname} is not valid UTF-8`);
        files[part.fieldname] = { fileName: part.filename, mimeType: part.mimetype, data };
      } else {
        if (part.valueTruncated) return invalid(`${part.fieldname} exceeds ${MULTIPART_LIMITS.fieldBytes} bytes`);
        if (typeof part.value !== "string") return invalid(`${part.fieldname} must be text`);
        fields[part.fieldname] = part.value;
      }
    }
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return invalid(typeof code === "string" && code in LIMIT_DETAILS ? (LIMIT_DETAILS[code] ?? "") : "the multipart body is malformed");
  }
  return succeed({ fields, files });
}
