import type { FastifyRequest } from "fastify";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";

/** Upload bounds of one form route's multipart/form-data body. */
export interface MultipartLimits {
  /** Largest file part. */
  readonly fileBytes: number;
  readonly files: number;
  readonly fields: number;
  /** Largest text field. */
  readonly fieldBytes: number;
  readonly parts: number;
}

/** A 5,000-device import is ~200 KiB; the text fields are ids and numbers. */
export const DEFAULT_MULTIPART_LIMITS: MultipartLimits = { fileBytes: 10 * 1024 * 1024, files: 4, fields: 20, fieldBytes: 4096, parts: 30 };

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

const invalid = (detail: string) => refuse(ErrorCodes.InvalidParameter, detail);

/** Every framework refusal as a fixed, safe detail (the library's own texts are not echoed). */
function limitDetails(limits: MultipartLimits): Record<string, string> {
  return {
    FST_REQ_FILE_TOO_LARGE: `a file exceeds ${limits.fileBytes} bytes`,
    FST_FILES_LIMIT: `the form has more than ${limits.files} files`,
    FST_FIELDS_LIMIT: `the form has more than ${limits.fields} fields`,
    FST_PARTS_LIMIT: `the form has more than ${limits.parts} parts`,
    FST_PROTO_VIOLATION: "a part is named after an Object prototype property",
    FST_INVALID_JSON_FIELD_ERROR: "a field declared as JSON is not valid JSON",
  };
}

/**
 * Reads a multipart/form-data body whole: fields as text, files as buffers. Every malformed or
 * oversized upload is a 40001 naming what is wrong; a body far over the limits is refused from its
 * Content-Length before any of it is read.
 */
export async function readMultipartForm(request: FastifyRequest, limits: MultipartLimits = DEFAULT_MULTIPART_LIMITS): Promise<Outcome<MultipartForm>> {
  if (!request.isMultipart()) return invalid("Content-Type must be multipart/form-data");
  const declared = Number(request.headers["content-length"]);
  const bound = limits.files * limits.fileBytes + limits.parts * limits.fieldBytes;
  if (Number.isFinite(declared) && declared > bound) return invalid(`the request body (${declared} bytes) exceeds ${bound} bytes; a file may have at most ${limits.fileBytes} bytes`);
  const fields: Record<string, string> = {};
  const files: Record<string, UploadedFile> = {};
  const seen = new Set<string>();
  const options = {
    // busboy's default latin1 turns a UTF-8 file name (设备.xlsx) into mojibake.
    defParamCharset: "utf8",
    limits: { fileSize: limits.fileBytes, files: limits.files, fields: limits.fields, fieldSize: limits.fieldBytes, parts: limits.parts },
  };
  try {
    for await (const part of request.parts(options)) {
      if (seen.has(part.fieldname)) return invalid(`${part.fieldname} is given more than once`);
      seen.add(part.fieldname);
      if (part.type === "file") {
        const data = await part.toBuffer();
        if (part.filename.includes("\uFFFD")) return invalid(`the file name of ${part.fieldname} is not valid UTF-8`);
        files[part.fieldname] = { fileName: part.filename, mimeType: part.mimetype, data };
      } else {
        // busboy cuts an oversized field short without an error: a cut value must not pass for another refusal.
        if (part.valueTruncated || part.fieldnameTruncated) return invalid(`a field of the form exceeds ${limits.fieldBytes} bytes`);
        if (typeof part.value !== "string") return invalid(`${part.fieldname} must be text`);
        fields[part.fieldname] = part.value;
      }
    }
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const detail = typeof code === "string" ? limitDetails(limits)[code] : undefined;
    return invalid(detail ?? "the multipart/form-data body is malformed");
  }
  return succeed({ fields, files });
}
