import type { ParseResult } from "./authorization.js";

/** What the signature covers (spec 01 §1.2): method, decoded path, decoded query pairs, headers. */
export interface SignedRequest {
  readonly method: string;
  readonly pathname: string;
  readonly query: ReadonlyArray<readonly [string, string]>;
  /** Header names lower-case, as Node delivers them. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

function decodeComponent(text: string): string | undefined {
  try {
    // `+` is a space in query strings; the route handlers see the same value through fastify's parser.
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return undefined;
  }
}

/** Splits a raw request target (`/path?a=1&b`) into the decoded pathname and query pairs. */
export function splitRequestTarget(target: string): ParseResult<{ pathname: string; query: Array<[string, string]> }> {
  const q = target.indexOf("?");
  const rawPath = q < 0 ? target : target.slice(0, q);
  let pathname: string;
  try {
    pathname = decodeURIComponent(rawPath);
  } catch {
    return { ok: false, reason: "request path is not valid percent-encoding" };
  }
  const query: Array<[string, string]> = [];
  const rawQuery = q < 0 ? "" : target.slice(q + 1);
  for (const part of rawQuery.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    // `?OrganizationId` is signed as `organizationid=` (spec 01 §1.2 step 3).
    const key = decodeComponent(eq < 0 ? part : part.slice(0, eq));
    const value = decodeComponent(eq < 0 ? "" : part.slice(eq + 1));
    if (key === undefined || value === undefined) return { ok: false, reason: "query string is not valid percent-encoding" };
    query.push([key, value]);
  }
  return { ok: true, value: { pathname, query } };
}
