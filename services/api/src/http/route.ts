import type { Outcome } from "../errors/outcome.js";
import type { FormOption, RouteBody } from "./form-body.js";
import type { MultipartForm } from "./multipart.js";
import type { Infer, Shape } from "../validation/rules.js";
import { validate } from "../validation/validate.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** A JSON Schema fragment describing a response's `Data` (used for the OpenAPI document). */
export type JsonSchema = Readonly<Record<string, unknown>>;

export interface CallerContext {
  /** The account whose key signed the request. */
  readonly appId: string;
  readonly requestId: string;
}

export interface RouteSpec<Q extends Shape, B extends Shape | undefined> {
  readonly method: HttpMethod;
  /** Exactly as the legacy document prints it, typos included. */
  readonly url: string;
  readonly summary: string;
  readonly tag: string;
  readonly query: Q;
  readonly body?: B;
  /** The body may come as multipart/form-data, read as the option says (form-body.ts). */
  readonly form?: FormOption;
  readonly data: JsonSchema;
  handle(
    caller: CallerContext,
    input: { query: Infer<Q>; body: B extends Shape ? Infer<B> : undefined; files: MultipartForm["files"] },
  ): Promise<Outcome<unknown>>;
}

/** A route with its input types erased, ready for the app and the OpenAPI generator. */
export interface ApiRoute {
  readonly method: HttpMethod;
  readonly url: string;
  readonly summary: string;
  readonly tag: string;
  readonly query: Shape;
  readonly body: Shape | undefined;
  readonly form: FormOption | undefined;
  readonly data: JsonSchema;
  run(caller: CallerContext, rawQuery: unknown, body: RouteBody): Promise<Outcome<unknown>>;
}

export function defineRoute<const Q extends Shape, const B extends Shape | undefined = undefined>(spec: RouteSpec<Q, B>): ApiRoute {
  return {
    method: spec.method,
    url: spec.url,
    summary: spec.summary,
    tag: spec.tag,
    query: spec.query,
    body: spec.body,
    form: spec.form,
    data: spec.data,
    async run(caller, rawQuery, { value, source, files }) {
      const query = validate(spec.query, rawQuery, "query");
      if (!query.ok) return query;
      let body: Infer<Shape> | undefined;
      if (spec.body) {
        const checked = validate(spec.body, value, source);
        if (!checked.ok) return checked;
        body = checked.value;
      }
      return spec.handle(caller, { query: query.value, body: body as B extends Shape ? Infer<B> : undefined, files });
    },
  };
}
