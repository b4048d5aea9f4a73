import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import type { FieldRule, Infer, ObjectArrayRule, Shape, StringArrayRule, StringRule } from "./rules.js";

/** Query and form values are text and get coerced; body values must already have their JSON type. */
export type Source = "query" | "body" | "form";

type FieldResult = { ok: true; value: unknown } | { ok: false; failure: ReturnType<typeof refuse>["failure"] };

function wrongType(field: string, expected: string): FieldResult {
  return refuse(ErrorCodes.ParameterValidationFailed, `${field} must be ${expected}`);
}

function checkString(field: string, rule: StringRule, value: string): FieldResult {
  const length = [...value].length;
  const lengthCode = rule.lengthError ?? rule.invalid ?? ErrorCodes.ParameterValidationFailed;
  if (rule.minLength !== undefined && length < rule.minLength) {
    return refuse(lengthCode, `${field} must have at least ${rule.minLength} characters`);
  }
  if (rule.maxLength !== undefined && length > rule.maxLength) {
    return refuse(lengthCode, `${field} must have at most ${rule.maxLength} characters`);
  }
  if (rule.pattern && !rule.pattern.regex.test(value)) {
    return refuse(rule.invalid ?? ErrorCodes.ParameterValidationFailed, `${field} must be ${rule.pattern.text}`);
  }
  // PostgreSQL text cannot hold U+0000: the query would fail in the database instead of here.
  if (value.includes("\u0000")) return refuse(rule.invalid ?? ErrorCodes.ParameterValidationFailed, `${field} must not contain NUL characters`);
  return { ok: true, value };
}

function coerceInt(raw: unknown, source: Source): number | undefined {
  if (typeof raw === "number") return Number.isSafeInteger(raw) ? raw : undefined;
  if (source !== "body" && typeof raw === "string" && /^-?\d{1,15}$/.test(raw)) return Number(raw);
  return undefined;
}

function coerceNumber(raw: unknown, source: Source): number | undefined {
  if (typeof raw === "number") return Number.isFinite(raw) ? raw : undefined;
  if (source !== "body" && typeof raw === "string" && /^-?\d{1,15}(\.\d{1,15})?$/.test(raw)) return Number(raw);
  return undefined;
}

function coerceBool(raw: unknown, source: Source): boolean | undefined {
  if (typeof raw === "boolean") return raw;
  if (source !== "body" && typeof raw === "string") {
    // `True`/`False` is Python's str(bool), what requests sends for params={"IsContainSubLevel": True}.
    if (raw === "true" || raw === "True" || raw === "1") return true;
    if (raw === "false" || raw === "False" || raw === "0") return false;
  }
  return undefined;
}

function checkField(field: string, rule: FieldRule, raw: unknown, source: Source): FieldResult {
  if (source === "query" && Array.isArray(raw)) return wrongType(field, "given once");
  const invalid = rule.invalid ?? ErrorCodes.ParameterValidationFailed;
  switch (rule.kind) {
    case "string":
      return typeof raw === "string" ? checkString(field, rule, raw) : wrongType(field, "a string");
    case "int": {
      const value = coerceInt(raw, source);
      if (value === undefined) return wrongType(field, "an integer");
      if (rule.values && !rule.values.includes(value)) return refuse(invalid, `${field} must be one of ${rule.values.join(", ")}`);
      if (rule.min !== undefined && value < rule.min) return refuse(invalid, `${field} must be at least ${rule.min}`);
      if (rule.max !== undefined && value > rule.max) return refuse(invalid, `${field} must be at most ${rule.max}`);
      return { ok: true, value };
    }
    case "number": {
      const value = coerceNumber(raw, source);
      if (value === undefined) return wrongType(field, "a number");
      if (rule.values && !rule.values.includes(value)) return refuse(invalid, `${field} must be one of ${rule.values.join(", ")}`);
      return { ok: true, value };
    }
    case "bool": {
      const value = coerceBool(raw, source);
      return value === undefined ? wrongType(field, "true or false") : { ok: true, value };
    }
    case "stringArray": {
      if (!Array.isArray(raw)) return wrongType(field, "an array of strings");
      const counted = checkCount(field, rule, raw.length);
      if (counted) return counted;
      for (const [i, item] of raw.entries()) {
        const checked = typeof item === "string" ? checkString(`${field}[${i}]`, rule.item, item) : wrongType(`${field}[${i}]`, "a string");
        if (!checked.ok) return checked;
      }
      return { ok: true, value: raw };
    }
    case "object":
      return checkObject(rule.shape, raw, field);
    case "objectArray": {
      if (!Array.isArray(raw)) return wrongType(field, "an array of objects");
      const counted = checkCount(field, rule, raw.length);
      if (counted) return counted;
      const items: unknown[] = [];
      for (const [i, item] of raw.entries()) {
        const checked = checkObject(rule.item, item, `${field}[${i}]`);
        if (!checked.ok) return checked;
        items.push(checked.value);
      }
      return { ok: true, value: items };
    }
  }
}

function checkCount(field: string, rule: StringArrayRule | ObjectArrayRule, length: number): FieldResult | undefined {
  const invalid = rule.invalid ?? ErrorCodes.ParameterValidationFailed;
  if (length === 0 && !rule.allowEmpty) return refuse(invalid, `${field} must not be empty`);
  if (length > rule.maxItems) return refuse(rule.tooManyError ?? invalid, `${field} must have at most ${rule.maxItems} items`);
  return undefined;
}

/** Nested objects are body-only (JSON types); fields are named `outer.inner` in failures. */
function checkObject(shape: Shape, raw: unknown, field: string): FieldResult {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return wrongType(field, "an object");
  return checkFields(shape, raw as Record<string, unknown>, "body", `${field}.`);
}

function checkFields(shape: Shape, record: Record<string, unknown>, source: Source, prefix: string): FieldResult {
  const out: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(shape)) {
    const field = `${prefix}${name}`;
    const raw = Object.prototype.hasOwnProperty.call(record, name) ? record[name] : undefined;
    if (raw === undefined || raw === null) {
      if (rule.required) return refuse(rule.invalid ?? ErrorCodes.InvalidParameter, `${field} is required`);
      if ((rule.kind === "int" || rule.kind === "bool") && rule.default !== undefined) out[name] = rule.default;
      continue;
    }
    const checked = checkField(field, rule, raw, source);
    if (!checked.ok) return checked;
    out[name] = checked.value;
  }
  return { ok: true, value: out };
}

/** Validates `input` against `shape`; the failure names the first failing field. Unknown fields are ignored. */
export function validate<S extends Shape>(shape: S, input: unknown, source: Source): Outcome<Infer<S>> {
  if (input === undefined && source !== "body") input = {};
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return refuse(ErrorCodes.InvalidParameter, source === "body" ? "request body must be a JSON object" : "query string is malformed");
  }
  const checked = checkFields(shape, input as Record<string, unknown>, source, "");
  return checked.ok ? succeed(checked.value as Infer<S>) : checked;
}
