/**
 * Hostile variants of a route's request, built from the route's OpenAPI description, and the oracle
 * that says which variants the API must refuse and which field the refusal must name.
 */

export interface FieldSchema {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly default?: unknown;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly items?: FieldSchema;
  readonly properties?: Readonly<Record<string, FieldSchema>>;
  readonly required?: readonly string[];
}

export interface Field {
  readonly name: string;
  readonly required: boolean;
  readonly schema: FieldSchema;
}

export interface Endpoint {
  readonly method: string;
  readonly url: string;
  readonly query: readonly Field[];
  /** Undefined for routes without a request body. */
  readonly body: readonly Field[] | undefined;
}

interface OpenApiOperation {
  readonly parameters?: ReadonlyArray<{ name: string; in: string; required?: boolean; schema: FieldSchema }>;
  readonly requestBody?: { content: Record<string, { schema: { properties?: Record<string, FieldSchema>; required?: string[] } }> };
}

export interface OpenApiDocument {
  readonly paths: Record<string, Record<string, OpenApiOperation>>;
}

export const JSON_TYPE = "application/json";

export function endpointsOf(document: OpenApiDocument): Endpoint[] {
  return Object.entries(document.paths).flatMap(([url, operations]) =>
    Object.entries(operations).map(([method, operation]) => {
      const bodySchema = operation.requestBody?.content[JSON_TYPE]?.schema;
      const required = new Set(bodySchema?.required ?? []);
      return {
        method: method.toUpperCase(),
        url,
        query: (operation.parameters ?? []).filter((p) => p.in === "query").map((p) => ({ name: p.name, required: p.required ?? false, schema: p.schema })),
        body: bodySchema && Object.entries(bodySchema.properties ?? {}).map(([name, schema]) => ({ name, required: required.has(name), schema })),
      };
    }),
  );
}

/** JSON text put into a body as is: numbers JSON.stringify cannot write (1e400, 2^53+1). */
export class RawJson {
  constructor(readonly text: string) {}
}

type Labelled<T> = readonly [label: string, value: T];

export const HOSTILE_JSON: ReadonlyArray<Labelled<unknown>> = [
  ["the number 42", 42],
  ['the string "42"', "42"],
  ["1.5", 1.5],
  ["-1", -1],
  ["0", 0],
  ["true", true],
  ["false", false],
  ["null", null],
  ["[]", []],
  ['["a", 1]', ["a", 1]],
  ["{}", {}],
  ['{"a": 1}', { a: 1 }],
  ['"NaN"', "NaN"],
  ['"-Infinity"', "-Infinity"],
  ["2^53-1", Number.MAX_SAFE_INTEGER],
  ["2^53+1", new RawJson("9007199254740993")],
  ["1e400", new RawJson("1e400")],
  ["-1e400", new RawJson("-1e400")],
  ["an empty string", ""],
  ["10,000 characters", "x".repeat(10_000)],
  ["a NUL character", "a\u0000b"],
  ["an emoji", "cam😀"],
  ["Han characters outside the BMP", "𠮷䶵"],
  ["GB18030-only characters", "€\uE5E5"],
  ["a lone surrogate", "a\uD800b"],
  ["SQL/LIKE metacharacters", "%_'\"--;"],
  ["an SQL injection", "' OR '1'='1"],
  ["a backslash", "a\\b"],
];

export const HOSTILE_QUERY: ReadonlyArray<Labelled<string>> = [
  ["a word", "abc"],
  ["42", "42"],
  ["1.5", "1.5"],
  ["-1", "-1"],
  ["0", "0"],
  ["true", "true"],
  ["null", "null"],
  ["[]", "[]"],
  ["{}", "{}"],
  ["NaN", "NaN"],
  ["Infinity", "Infinity"],
  ["15 nines", "999999999999999"],
  ["2^53+1", "9007199254740993"],
  ["1e400", "1e400"],
  ["0x10", "0x10"],
  ["a padded number", " 1 "],
  ["an empty value", ""],
  ["10,000 characters", "x".repeat(10_000)],
  ["a NUL character", "a\u0000b"],
  ["an emoji", "cam😀"],
  ["Han characters outside the BMP", "𠮷䶵"],
  ["GB18030-only characters", "€\uE5E5"],
  ["SQL/LIKE metacharacters", "%_'\"--;"],
  ["an SQL injection", "' OR '1'='1"],
  ["a plus sign", "a+b"],
];

/** Names a body may carry besides the documented ones; some are Object.prototype members. */
const UNKNOWN_FIELDS: ReadonlyArray<Labelled<unknown>> = [
  ["Unknown", 1],
  ["constructor", "x"],
  ["toString", 1],
  ["hasOwnProperty", {}],
];

/** Content types the server has no parser for: the body must be refused whatever it holds. */
const NON_JSON_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"];
/** Content types whose treatment the oracle leaves open (each answer still gets the envelope checks). */
const ODD_TYPES = ["application/json; charset=gbk", "APPLICATION/JSON", "application/json-patch+json", "application/json; charset=utf-8"];
const TEXT_JUNK = ['"', "{", "}", ",", ":", "\\", "\u0000", "😀", "1e400", "[", "null", "\uFEFF"];

export type Op =
  | { readonly kind: "setQuery" | "repeatQuery"; readonly name: string; readonly value: Labelled<string> }
  | { readonly kind: "dropQuery" | "dropBody"; readonly name: string }
  | { readonly kind: "rawQuery"; readonly text: string }
  | { readonly kind: "setBody"; readonly name: string; readonly value: Labelled<unknown> }
  | { readonly kind: "dupBody"; readonly name: string; readonly value: Labelled<unknown>; readonly first: boolean }
  | { readonly kind: "payload"; readonly text: string | undefined }
  | { readonly kind: "cut"; readonly at: number }
  | { readonly kind: "insert"; readonly at: number; readonly text: string }
  /** null sends no Content-Type header. */
  | { readonly kind: "contentType"; readonly value: string | null }
  | { readonly kind: "unsigned" };

export interface Mutation {
  readonly label: string;
  readonly ops: readonly Op[];
  /** The StatusCode the answer must carry (refusals before validation). */
  readonly expectStatus?: number;
}

/** A valid request to mutate: the required fields with values the route accepts. */
export interface BaseRequest {
  readonly query: ReadonlyArray<readonly [string, string]>;
  readonly body: ReadonlyArray<readonly [string, unknown]> | undefined;
}

export interface Variant {
  readonly label: string;
  readonly url: string;
  readonly query: ReadonlyArray<readonly [string, string]>;
  /** Query text appended as is (bad percent-encoding): the oracle leaves such a query open. */
  readonly rawQuery: string;
  readonly payload: string | undefined;
  readonly contentType: string | undefined;
  readonly unsigned: boolean;
  readonly expectStatus: number | undefined;
}

function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(",")}]`;
  if (value !== null && typeof value === "object") return objectText(Object.entries(value));
  return JSON.stringify(value);
}

/** Entries rather than an object, so a key can appear twice. */
function objectText(entries: ReadonlyArray<readonly [string, unknown]>): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(",")}}`;
}

const TEXT_OPS = new Set<Op["kind"]>(["payload", "cut", "insert"]);

export function applyMutation(endpoint: Endpoint, base: BaseRequest, mutation: Mutation): Variant {
  let query = [...base.query];
  let body = base.body && [...base.body];
  let payload: string | undefined;
  let materialized = false;
  let contentType: string | null | undefined;
  let rawQuery = "";
  let unsigned = false;
  const text = (): string => {
    if (!materialized) payload = body && objectText(body);
    materialized = true;
    return payload ?? "";
  };
  // Field edits first: text edits act on the serialized body.
  const ops = [...mutation.ops].sort((a, b) => Number(TEXT_OPS.has(a.kind)) - Number(TEXT_OPS.has(b.kind)));
  for (const op of ops) {
    switch (op.kind) {
      case "setQuery":
        query = [...query.filter(([k]) => k !== op.name), [op.name, op.value[1]]];
        break;
      case "repeatQuery":
        query = [...query, ...(query.some(([k]) => k === op.name) ? [] : [[op.name, "1"] as const]), [op.name, op.value[1]]];
        break;
      case "dropQuery":
        query = query.filter(([k]) => k !== op.name);
        break;
      case "rawQuery":
        rawQuery += op.text;
        break;
      case "setBody":
        body = [...(body ?? []).filter(([k]) => k !== op.name), [op.name, op.value[1]]];
        break;
      case "dropBody":
        body = body?.filter(([k]) => k !== op.name);
        break;
      case "dupBody":
        body = op.first ? [[op.name, op.value[1]], ...(body ?? [])] : [...(body ?? []), [op.name, op.value[1]]];
        break;
      case "payload":
        payload = op.text;
        materialized = true;
        break;
      case "cut": {
        const t = text();
        payload = t.slice(0, Math.floor(op.at * t.length));
        break;
      }
      case "insert": {
        const t = text();
        const at = Math.floor(op.at * t.length);
        payload = t.slice(0, at) + op.text + t.slice(at);
        break;
      }
      case "contentType":
        contentType = op.value;
        break;
      case "unsigned":
        unsigned = true;
    }
  }
  text();
  const encoded = query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&") + rawQuery;
  return {
    label: mutation.label,
    url: encoded === "" ? endpoint.url : `${endpoint.url}?${encoded}`,
    query,
    rawQuery,
    payload,
    contentType: contentType === undefined ? (payload === undefined ? undefined : JSON_TYPE) : (contentType ?? undefined),
    unsigned,
    expectStatus: mutation.expectStatus,
  };
}

function wrongTypeFor(field: Field): Labelled<unknown> {
  return field.schema.type === "string" ? ["the number 42", 42] : ['the string "42"', "42"];
}

/** The deterministic sweep of one route: every documented field in turn, then the body as a whole. */
export function fixedMutations(endpoint: Endpoint): Mutation[] {
  const list: Mutation[] = [
    { label: "the base request", ops: [] },
    { label: "no Authorization", ops: [{ kind: "unsigned" }], expectStatus: 41602 },
  ];
  for (const field of endpoint.query) {
    const { name } = field;
    for (const value of HOSTILE_QUERY) list.push({ label: `query ${name} = ${value[0]}`, ops: [{ kind: "setQuery", name, value }] });
    if (field.required) list.push({ label: `query ${name} missing`, ops: [{ kind: "dropQuery", name }] });
    list.push({ label: `query ${name} given twice`, ops: [{ kind: "repeatQuery", name, value: ["abc", "abc"] }] });
  }
  list.push(
    { label: "an unknown query parameter", ops: [{ kind: "setQuery", name: "Unknown", value: ["1", "1"] }] },
    { label: "a query name without value", ops: [{ kind: "rawQuery", text: "&Bare" }] },
    { label: "a truncated percent escape in the query", ops: [{ kind: "rawQuery", text: "&Bad=%E0%A4%A" }], expectStatus: 41602 },
    { label: "percent-encoded invalid UTF-8 in the query", ops: [{ kind: "rawQuery", text: "&Bad=%ED%A0%80" }], expectStatus: 41602 },
  );
  for (const field of endpoint.body ?? []) {
    const { name } = field;
    for (const value of HOSTILE_JSON) list.push({ label: `body ${name} = ${value[0]}`, ops: [{ kind: "setBody", name, value }] });
    if (field.required) list.push({ label: `body ${name} missing`, ops: [{ kind: "dropBody", name }] });
    const wrong = wrongTypeFor(field);
    list.push(
      { label: `body ${name} twice, ${wrong[0]} last`, ops: [{ kind: "dupBody", name, value: wrong, first: false }] },
      { label: `body ${name} twice, ${wrong[0]} first`, ops: [{ kind: "dupBody", name, value: wrong, first: true }] },
    );
  }
  const payload = (label: string, text: string | undefined): Mutation => ({ label, ops: [{ kind: "payload", text }] });
  list.push(
    { label: "unknown body fields", ops: UNKNOWN_FIELDS.map(([name, value]) => ({ kind: "setBody", name, value: [name, value] })) },
    { label: "a __proto__ key", ops: [{ kind: "setBody", name: "__proto__", value: ["an object", { polluted: true }] }] },
    { label: "a constructor.prototype key", ops: [{ kind: "setBody", name: "constructor", value: ["an object", { prototype: { polluted: true } }] }] },
    { label: "JSON nested 100,000 deep", ops: [{ kind: "setBody", name: "Deep", value: ["nesting", new RawJson(`${"[".repeat(100_000)}${"]".repeat(100_000)}`)] }] },
    payload("no body", undefined),
    { label: "an empty body with a JSON Content-Type", ops: [{ kind: "payload", text: "" }, { kind: "contentType", value: JSON_TYPE }] },
    payload("the JSON body null", "null"),
    payload("the JSON body []", "[]"),
    payload('the JSON body "text"', '"text"'),
    payload("the JSON body 42", "42"),
    payload("a body of spaces", "   "),
    { label: "a truncated body", ops: [{ kind: "cut", at: 0.5 }] },
    { label: "trailing garbage", ops: [{ kind: "insert", at: 1, text: "}x" }] },
    { label: "a byte-order mark", ops: [{ kind: "insert", at: 0, text: "\uFEFF" }] },
    { label: "a body without Content-Type", ops: [{ kind: "contentType", value: null }] },
    ...[...NON_JSON_TYPES, ...ODD_TYPES].map((value): Mutation => ({ label: `Content-Type ${value}`, ops: [{ kind: "contentType", value }] })),
  );
  return list;
}

/** xorshift32: a failure's variant comes back from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
}

function describeOp(op: Op): string {
  switch (op.kind) {
    case "setQuery":
    case "repeatQuery":
    case "setBody":
      return `${op.kind} ${op.name} = ${op.value[0]}`;
    case "dupBody":
      return `dupBody ${op.name} = ${op.value[0]}${op.first ? " first" : ""}`;
    case "dropQuery":
    case "dropBody":
      return `${op.kind} ${op.name}`;
    case "cut":
      return `cut at ${op.at.toFixed(3)}`;
    case "insert":
      return `insert ${JSON.stringify(op.text)} at ${op.at.toFixed(3)}`;
    case "contentType":
      return `Content-Type ${op.value ?? "none"}`;
    default:
      return op.kind;
  }
}

/** `count` mutations of 1–3 random edits each over random routes, all drawn from `seed`. */
export function randomMutations(endpoints: readonly Endpoint[], count: number, seed: number): Array<{ endpoint: Endpoint; mutation: Mutation }> {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const contentTypes = [JSON_TYPE, ...NON_JSON_TYPES, ...ODD_TYPES];
  return Array.from({ length: count }, (_, i) => {
    const endpoint = pick(endpoints);
    const queryNames = [...endpoint.query.map((f) => f.name), "Unknown"];
    const bodyNames = [...(endpoint.body ?? []).map((f) => f.name), ...UNKNOWN_FIELDS.map(([name]) => name)];
    const makers: Array<() => Op> = [
      () => ({ kind: "setQuery", name: pick(queryNames), value: pick(HOSTILE_QUERY) }),
      () => ({ kind: "repeatQuery", name: pick(queryNames), value: pick(HOSTILE_QUERY) }),
      () => ({ kind: "dropQuery", name: pick(queryNames) }),
    ];
    if (endpoint.body) {
      makers.push(
        () => ({ kind: "setBody", name: pick(bodyNames), value: pick(HOSTILE_JSON) }),
        () => ({ kind: "setBody", name: pick(bodyNames), value: pick(HOSTILE_JSON) }),
        () => ({ kind: "dropBody", name: pick(bodyNames) }),
        () => ({ kind: "dupBody", name: pick(bodyNames), value: pick(HOSTILE_JSON), first: random() < 0.5 }),
        () => ({ kind: "cut", at: random() }),
        () => ({ kind: "insert", at: random(), text: pick(TEXT_JUNK) }),
        () => ({ kind: "contentType", value: pick(contentTypes) }),
      );
    }
    const ops = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(makers)());
    return { endpoint, mutation: { label: `random #${i}: ${ops.map(describeOp).join(", ")}`, ops } };
  });
}
