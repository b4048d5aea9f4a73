import type { z } from "zod";

/** A request/reply pair: where it is sent, and the schema of each side. */
export interface RequestContract<P, Req extends z.ZodType, Res extends z.ZodType> {
  readonly kind: "request";
  readonly name: string;
  readonly subject: (params: P) => string;
  readonly request: Req;
  readonly reply: Res;
}

/** A fire-and-forget event with one fixed subject; the scope (cluster, device) is in the payload. */
export interface EventContract<E extends z.ZodType> {
  readonly kind: "event";
  readonly name: string;
  readonly subject: string;
  readonly schema: E;
}

export function defineRequest<P, Req extends z.ZodType, Res extends z.ZodType>(
  name: string,
  subject: (params: P) => string,
  request: Req,
  reply: Res,
): RequestContract<P, Req, Res> {
  return { kind: "request", name, subject, request, reply };
}

export function defineEvent<E extends z.ZodType>(name: string, subject: string, schema: E): EventContract<E> {
  return { kind: "event", name, subject, schema };
}

// A subject token must not contain NATS separators or wildcards, or it would address other subjects.
const TOKEN = /^[A-Za-z0-9_-]+$/;

/**
 * Stands for "any cluster" in a cluster-scoped subject: the API answers requests from every site
 * with one subscription (`ivc.*.api.…`). A distinct value, never a string, so no id read from a
 * message or a setting can turn into a wildcard.
 */
export const ANY_CLUSTER: unique symbol = Symbol("any cluster");
export type ClusterScope = string | typeof ANY_CLUSTER;

/** Joins subject tokens, refusing a token that would change the subject's shape (a programming error). */
export function subjectOf(...tokens: ClusterScope[]): string {
  const parts = tokens.map((t) => {
    if (t === ANY_CLUSTER) return "*";
    if (!TOKEN.test(t)) throw new Error(`invalid NATS subject token ${JSON.stringify(t)}`);
    return t;
  });
  return ["ivc", ...parts].join(".");
}

/** The cluster id a cluster-scoped subject (`ivc.<clusterId>.…`) was sent on. */
export function clusterOfSubject(subject: string): string | undefined {
  const token = subject.split(".")[1];
  return token !== undefined && TOKEN.test(token) ? token : undefined;
}

/** The request a contract's handler receives, and the reply it returns. */
export type RequestOf<C> = C extends RequestContract<never, infer Req, z.ZodType> ? z.output<Req> : never;
export type ReplyOf<C> = C extends RequestContract<never, z.ZodType, infer Res> ? z.input<Res> : never;
