import type { FastifyRequest } from "fastify";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";

/** A form carries a few PEM files (spec 01 §5.4: Key, Cert); a certificate chain is a few KiB. */
export const FORM_FILE_LIMIT_BYTES = 64 * 1024;
/** A PEM may come as a plain field too, so fields get the files' limit. */
const FORM_LIMITS = { fileSize: FORM_FILE_LIMIT_BYTES, files: 4, fields: 16, parts: 20, fieldSize: FORM_FILE_LIMIT_BYTES };

/** @fastify/multipart and busboy refusals as fixed details: their messages are not echoed. */
const MULTIPART_DETAILS: Record<string, string> = {
  FST_REQ_FILE_TOO_LARGE: `a file of the form exceeds ${FORM_FILE_LIMIT_BYTES} bytes`,
  FST_PARTS_LIMIT: `the form has more than ${FORM_LIMITS.parts} parts`,
  FST_FILES_LIMIT: `the form has more than ${FORM_LIMITS.files} files`,
  FST_FIELDS_LIMIT: `the form has more than ${FORM_LIMITS.fields} fields`,
};

/**
 * The fields of a multipart/form-data body, each file read as UTF-8 text under its field name (a
 * PEM file is ASCII; other bytes fail the certificate check that follows). A repeated name becomes
 * an array, which validation refuses as not a string.
 */
export async function readFormFields(request: FastifyRequest): Promise<Outcome<Record<string, unknown>>> {
  const fields = new Map<string, unknown[]>();
  try {
    for await (const part of request.parts({ limits: FORM_LIMITS })) {
      // busboy cuts an oversized field short without an error: a cut PEM must not pass for another refusal.
      if (part.type === "field" && (part.valueTruncated || part.fieldnameTruncated)) {
        return refuse(ErrorCodes.InvalidParameter, `a field of the form exceeds ${FORM_FILE_LIMIT_BYTES} bytes`);
      }
      const value = part.type === "file" ? (await part.toBuffer()).toString("utf8") : part.value;
      fields.set(part.fieldname, [...(fields.get(part.fieldname) ?? []), value]);
    }
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const detail = typeof code === "string" ? MULTIPART_DETAILS[code] : undefined;
    return refuse(ErrorCodes.InvalidParameter, detail ?? "the multipart/form-data body is malformed");
  }
  return succeed(Object.fromEntries([...fields].map(([name, values]) => [name, values.length === 1 ? values[0] : values])));
}
