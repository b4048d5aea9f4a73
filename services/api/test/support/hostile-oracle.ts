import type { Endpoint, Field, FieldSchema, Variant } from "./hostile-requests.js";
import { JSON_TYPE } from "./hostile-requests.js";

/**
 * What the documented schema says of a variant: whether it must be refused, which fields a refusal
 * may name (it names the first failing one), and the StatusCode when the schema fixes it. The oracle
 * only ever demands refusals: a variant it finds valid may still be refused for other reasons.
 */
export interface Expectation {
  readonly refused: boolean;
  readonly fields: readonly string[];
  readonly statusCode?: number;
}

const OPEN: Expectation = { refused: false, fields: [] };

function compiled(pattern: string): RegExp {
  try {
    return new RegExp(pattern, "u");
  } catch {
    return new RegExp(pattern);
  }
}

function outOfRange(schema: FieldSchema, value: number): boolean {
  if (schema.enum && !schema.enum.includes(value)) return true;
  if (schema.minimum !== undefined && value < schema.minimum) return true;
  return schema.maximum !== undefined && value > schema.maximum;
}

/** True when `value` breaks the JSON schema; string lengths count code points, as the spec's "characters". */
export function violates(schema: FieldSchema, value: unknown): boolean {
  switch (schema.type) {
    case "string": {
      if (typeof value !== "string") return true;
      // Not in the document: the API refuses U+0000 in every string, as PostgreSQL text cannot hold it.
      if (value.includes("\u0000")) return true;
      const length = [...value].length;
      if (schema.minLength !== undefined && length < schema.minLength) return true;
      if (schema.maxLength !== undefined && length > schema.maxLength) return true;
      return schema.pattern !== undefined && !compiled(schema.pattern).test(value);
    }
    case "integer":
      return typeof value !== "number" || !Number.isSafeInteger(value) || outOfRange(schema, value);
    case "number":
      return typeof value !== "number" || !Number.isFinite(value) || outOfRange(schema, value);
    case "boolean":
      return typeof value !== "boolean";
    case "array":
      if (!Array.isArray(value)) return true;
      if (value.length < (schema.minItems ?? 0) || value.length > (schema.maxItems ?? Infinity)) return true;
      return schema.items !== undefined && value.some((item) => violates(schema.items as FieldSchema, item));
    case "object": {
      if (value === null || typeof value !== "object" || Array.isArray(value)) return true;
      const record = value as Record<string, unknown>;
      const present = (name: string) => Object.hasOwn(record, name) && record[name] !== null;
      if ((schema.required ?? []).some((name) => !present(name))) return true;
      return Object.entries(schema.properties ?? {}).some(([name, inner]) => present(name) && violates(inner, record[name]));
    }
    default:
      return false;
  }
}

/** Query text read as the schema's type; text that is no such value stays text (and so violates). */
function fromQuery(schema: FieldSchema, text: string): unknown {
  if (schema.type === "integer" || schema.type === "number") return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  if (schema.type === "boolean") return text === "true" || text === "1" ? true : text === "false" || text === "0" ? false : text;
  return text;
}

/** A query field given twice is refused, as is a missing required one. */
function queryViolations(fields: readonly Field[], query: Variant["query"]): string[] {
  return fields
    .filter((field) => {
      const values = query.filter(([k]) => k === field.name).map(([, v]) => v);
      if (values.length > 1) return true;
      const [value] = values;
      return value === undefined ? field.required : violates(field.schema, fromQuery(field.schema, value));
    })
    .map((f) => f.name);
}

/** JSON.parse plus the poisoning checks of fastify's parser (secure-json-parse). */
function poisoned(root: unknown): boolean {
  // A stack, not recursion: bodies nest deeper than the call stack allows.
  const pending = [root];
  for (let value = pending.pop(); value !== undefined; value = pending.pop()) {
    if (value === null || typeof value !== "object") continue;
    for (const [key, inner] of Object.entries(value)) {
      if (key === "__proto__") return true;
      if (key === "constructor" && inner !== null && typeof inner === "object" && Object.hasOwn(inner, "prototype")) return true;
      pending.push(inner);
    }
  }
  return false;
}

type BodyVerdict = { kind: "fields"; fields: string[] } | { kind: "unparsable" } | { kind: "not-object" } | { kind: "open" };

/** Types the framework has no parser for: refused before the route runs. text/plain is read as a string. */
const UNPARSED = /^(application\/x-www-form-urlencoded|multipart\/form-data|application\/xml)\b/;

function bodyVerdict(fields: readonly Field[], variant: Variant): BodyVerdict {
  const { payload, contentType } = variant;
  if (payload === undefined && contentType === undefined) return { kind: "not-object" };
  if (contentType?.startsWith("text/plain")) return { kind: "not-object" };
  if (contentType !== undefined && UNPARSED.test(contentType)) return payload === "" || payload === undefined ? { kind: "open" } : { kind: "unparsable" };
  if (contentType !== JSON_TYPE) return { kind: "open" };
  let parsed: unknown;
  try {
    // RFC 8259 lets a parser ignore a byte-order mark; fastify's does.
    parsed = JSON.parse((payload ?? "").replace(/^\uFEFF/, ""));
  } catch {
    return { kind: "unparsable" };
  }
  if (poisoned(parsed)) return { kind: "unparsable" };
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return { kind: "not-object" };
  const record = parsed as Record<string, unknown>;
  return {
    kind: "fields",
    // null counts as absent, as the API's validator reads it.
    fields: fields.filter((f) => (Object.hasOwn(record, f.name) && record[f.name] !== null ? violates(f.schema, record[f.name]) : f.required)).map((f) => f.name),
  };
}

/**
 * A route without a body ignores one, but the framework still parses what a PUT or DELETE sends
 * (spec 04 A3/A7 take only query fields): an unparsable one is refused before the route runs.
 */
function bodylessVerdict(endpoint: Endpoint, variant: Variant): BodyVerdict {
  if (endpoint.method === "GET" || variant.payload === undefined) return { kind: "fields", fields: [] };
  const verdict = bodyVerdict([], variant);
  return verdict.kind === "unparsable" || verdict.kind === "open" ? verdict : { kind: "fields", fields: [] };
}

export function expectationOf(endpoint: Endpoint, variant: Variant): Expectation {
  if (variant.expectStatus !== undefined) return { refused: true, fields: [], statusCode: variant.expectStatus };
  if (variant.unsigned || variant.rawQuery !== "") return OPEN;
  const inQuery = queryViolations(endpoint.query, variant.query);
  const body: BodyVerdict = endpoint.body ? bodyVerdict(endpoint.body, variant) : bodylessVerdict(endpoint, variant);
  switch (body.kind) {
    case "open":
      return OPEN;
    // The framework refuses an unparsable body before the route looks at the query.
    case "unparsable":
      return { refused: true, fields: [], statusCode: 40001 };
    case "not-object":
      return inQuery.length > 0 ? { refused: true, fields: inQuery } : { refused: true, fields: [], statusCode: 40001 };
    case "fields": {
      const fields = [...inQuery, ...body.fields];
      return { refused: fields.length > 0, fields };
    }
  }
}
