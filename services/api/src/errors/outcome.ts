import type { ErrorDef } from "./codes.js";

/** A refusal the API reports in the envelope: the table entry plus a detail naming the field or reason. */
export interface Failure {
  readonly error: ErrorDef;
  readonly detail: string;
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: Failure };

export function succeed<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

export function refuse(error: ErrorDef, detail: string): { readonly ok: false; readonly failure: Failure } {
  return { ok: false, failure: { error, detail } };
}
