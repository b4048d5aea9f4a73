import type { FastifyRequest } from "fastify";
import type { Outcome } from "../errors/outcome.js";
import { succeed } from "../errors/outcome.js";
import type { Source } from "../validation/validate.js";
import { DEFAULT_MULTIPART_LIMITS, NO_FILES, readMultipartForm } from "./multipart.js";
import type { MultipartForm, MultipartLimits } from "./multipart.js";

/** How a route takes a multipart/form-data body. */
export type FormOption =
  /**
   * Each file part is read as UTF-8 text into the field of its name (spec 01 §5.4 `Key`/`Cert` PEM
   * files); a text field may be as large as a file (a PEM sent as a plain field); a JSON body with
   * the same fields is accepted too.
   */
  | { readonly files: "text"; readonly maxFileBytes: number }
  /** Only multipart: `body` checks the text fields, the handler gets the files as buffers (spec 02 §10 import). */
  | { readonly files: "buffers"; readonly maxFileBytes?: number };

/** The body a route validates, as the app read it. */
export interface RouteBody {
  readonly value: unknown;
  readonly source: Extract<Source, "body" | "form">;
  readonly files: MultipartForm["files"];
}

export function jsonBody(value: unknown): RouteBody {
  return { value, source: "body", files: NO_FILES };
}

function limitsOf(form: FormOption): MultipartLimits {
  if (form.files === "text") return { ...DEFAULT_MULTIPART_LIMITS, fileBytes: form.maxFileBytes, fieldBytes: form.maxFileBytes };
  return { ...DEFAULT_MULTIPART_LIMITS, fileBytes: form.maxFileBytes ?? DEFAULT_MULTIPART_LIMITS.fileBytes };
}

/** Reads a form route's body: a multipart form as its option says, or (text-file routes) JSON. */
export async function readRouteBody(request: FastifyRequest, form: FormOption): Promise<Outcome<RouteBody>> {
  if (form.files === "text" && !request.isMultipart()) return succeed(jsonBody(request.body));
  const read = await readMultipartForm(request, limitsOf(form));
  if (!read.ok) return read;
  const { fields, files } = read.value;
  if (form.files === "buffers") return succeed({ value: fields, source: "form", files });
  const texts = Object.fromEntries(Object.entries(files).map(([name, file]) => [name, file.data.toString("utf8")]));
  return succeed({ value: { ...fields, ...texts }, source: "form", files: NO_FILES });
}
