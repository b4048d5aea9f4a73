import type { ErrorDef } from "../errors/codes.js";

interface RuleBase {
  readonly required: boolean;
  readonly description: string;
  /** Code for a missing or out-of-rule value; 40001 (missing) / 40005 (invalid) when unset. */
  readonly invalid?: ErrorDef;
}

export interface StringRule extends RuleBase {
  readonly kind: "string";
  /** Counted in characters (code points), as the spec's "≤ 16 characters" of Chinese names means. */
  readonly maxLength?: number;
  readonly minLength?: number;
  /** Code for a length violation when it differs from `invalid` (device password: 41635). */
  readonly lengthError?: ErrorDef;
  readonly pattern?: { readonly regex: RegExp; readonly text: string };
}

export interface IntRule extends RuleBase {
  readonly kind: "int";
  readonly values?: readonly number[];
  readonly min?: number;
  readonly max?: number;
  readonly default?: number;
}

/** A JSON number that may have a fraction (spec 02 §23 `Scale` 0.25); `values` compares numerically, so 1 and 1.0 match. */
export interface NumberRule extends RuleBase {
  readonly kind: "number";
  readonly values?: readonly number[];
}

export interface BoolRule extends RuleBase {
  readonly kind: "bool";
  readonly default?: boolean;
}

export interface StringArrayRule extends RuleBase {
  readonly kind: "stringArray";
  readonly maxItems: number;
  /** An empty array is refused unless this is set (spec 03 `OrganizationId`: "可以为空"). */
  readonly allowEmpty?: boolean;
  /** Code for more than `maxItems` when it differs from `invalid` (spec 03 §1.9: 43406). */
  readonly tooManyError?: ErrorDef;
  readonly item: StringRule;
}

/** A nested JSON object (spec 03 `LifeCycle`); a failure names `Outer.Inner`. */
export interface ObjectRule extends RuleBase {
  readonly kind: "object";
  readonly shape: Shape;
}

/** An array of nested objects (spec 03 `Channels`, `TimeSections`); a failure names `Outer[i].Inner`. */
export interface ObjectArrayRule extends RuleBase {
  readonly kind: "objectArray";
  readonly maxItems: number;
  readonly allowEmpty?: boolean;
  readonly tooManyError?: ErrorDef;
  readonly item: Shape;
}

export type FieldRule = StringRule | IntRule | NumberRule | BoolRule | StringArrayRule | ObjectRule | ObjectArrayRule;
export type Shape = Readonly<{ [field: string]: FieldRule }>;

type ValueOf<R> = R extends IntRule | NumberRule
  ? number
  : R extends BoolRule
    ? boolean
    : R extends StringArrayRule
      ? string[]
      : R extends { kind: "object"; shape: infer S extends Shape }
        ? Infer<S>
        : R extends { kind: "objectArray"; item: infer S extends Shape }
          ? Array<Infer<S>>
          : string;

/** The validated object: required or defaulted fields are present, the others may be undefined. */
export type Infer<S extends Shape> = {
  [K in keyof S]: S[K] extends { required: true } | { default: number | boolean } ? ValueOf<S[K]> : ValueOf<S[K]> | undefined;
};

export function str<const R extends Omit<StringRule, "kind">>(rule: R): R & { kind: "string" } {
  return { ...rule, kind: "string" };
}

export function int<const R extends Omit<IntRule, "kind">>(rule: R): R & { kind: "int" } {
  return { ...rule, kind: "int" };
}

export function num<const R extends Omit<NumberRule, "kind">>(rule: R): R & { kind: "number" } {
  return { ...rule, kind: "number" };
}

export function bool<const R extends Omit<BoolRule, "kind">>(rule: R): R & { kind: "bool" } {
  return { ...rule, kind: "bool" };
}

export function strArray<const R extends Omit<StringArrayRule, "kind">>(rule: R): R & { kind: "stringArray" } {
  return { ...rule, kind: "stringArray" };
}

export function obj<const R extends Omit<ObjectRule, "kind">>(rule: R): R & { kind: "object" } {
  return { ...rule, kind: "object" };
}

export function objArray<const R extends Omit<ObjectArrayRule, "kind">>(rule: R): R & { kind: "objectArray" } {
  return { ...rule, kind: "objectArray" };
}
