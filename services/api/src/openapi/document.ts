import { ErrorCodes } from "../errors/codes.js";
import type { FormOption } from "../http/form-body.js";
import type { ApiRoute, JsonSchema } from "../http/route.js";
import type { FieldRule, Shape } from "../validation/rules.js";

function fieldSchema(rule: FieldRule): JsonSchema {
  const base = { description: rule.description };
  switch (rule.kind) {
    case "string":
      return {
        ...base,
        type: "string",
        ...(rule.minLength !== undefined ? { minLength: rule.minLength } : {}),
        ...(rule.maxLength !== undefined ? { maxLength: rule.maxLength } : {}),
        ...(rule.pattern ? { pattern: rule.pattern.regex.source } : {}),
      };
    case "int":
      return {
        ...base,
        type: "integer",
        ...(rule.values ? { enum: [...rule.values] } : {}),
        ...(rule.min !== undefined ? { minimum: rule.min } : {}),
        ...(rule.max !== undefined ? { maximum: rule.max } : {}),
        ...(rule.default !== undefined ? { default: rule.default } : {}),
      };
    case "number":
      return { ...base, type: "number", ...(rule.values ? { enum: [...rule.values] } : {}) };
    case "bool":
      return { ...base, type: "boolean", ...(rule.default !== undefined ? { default: rule.default } : {}) };
    case "stringArray":
      return { ...base, type: "array", minItems: rule.allowEmpty ? 0 : 1, maxItems: rule.maxItems, items: fieldSchema(rule.item) };
    case "object":
      return { ...base, ...objectSchema(rule.shape) };
    case "objectArray":
      return { ...base, type: "array", minItems: rule.allowEmpty ? 0 : 1, maxItems: rule.maxItems, items: objectSchema(rule.item) };
  }
}

function objectSchema(shape: Shape): JsonSchema {
  const required = Object.entries(shape).filter(([, r]) => r.required).map(([name]) => name);
  return {
    type: "object",
    properties: Object.fromEntries(Object.entries(shape).map(([name, rule]) => [name, fieldSchema(rule)])),
    ...(required.length > 0 ? { required } : {}),
  };
}

function envelope(data: JsonSchema): JsonSchema {
  return {
    type: "object",
    required: ["RequestId", "Code", "StatusCode", "Message", "Data"],
    properties: {
      RequestId: { type: "string" },
      Code: { type: "integer", description: "0 success, 500 failure" },
      StatusCode: { type: "integer", description: "200, or a code of the error table" },
      Message: { type: "string" },
      Data: data,
    },
  };
}

const errorTable = Object.values(ErrorCodes)
  .map((e) => `${e.statusCode} (HTTP ${e.httpStatus}): ${e.message}`)
  .join("\n");

/** A text-file form route takes JSON too; a buffers form route only multipart. */
function bodyContent(body: Shape, form: FormOption | undefined): Record<string, unknown> {
  const schema = objectSchema(body);
  if (!form) return { "application/json": { schema } };
  return form.files === "text" ? { "application/json": { schema }, "multipart/form-data": { schema } } : { "multipart/form-data": { schema } };
}

/** OpenAPI 3.0 of every route, derived from the same definitions that validate requests. */
export function buildOpenApi(routes: readonly ApiRoute[]): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const operation = {
      summary: route.summary,
      tags: [route.tag],
      security: [{ cosSignature: [] }],
      parameters: Object.entries(route.query).map(([name, rule]) => ({
        name,
        in: "query",
        required: rule.required,
        schema: fieldSchema(rule),
      })),
      ...(route.body ? { requestBody: { required: true, content: bodyContent(route.body, route.form) } } : {}),
      responses: {
        "200": {
          description: "Envelope; a refusal has Code 500, a StatusCode from the error table and a detail string in Data",
          headers: { RequestId: { schema: { type: "string" } } },
          content: { "application/json": { schema: envelope(route.data) } },
        },
      },
    };
    paths[route.url] = { ...(paths[route.url] ?? {}), [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: "3.0.3",
    info: { title: "IVC legacy REST API (self-hosted)", version: "1.0.0", description: `Error codes:\n${errorTable}` },
    components: {
      securitySchemes: {
        cosSignature: {
          type: "apiKey",
          in: "header",
          name: "Authorization",
          description: "q-sign-algorithm=sha1 request signature (spec 01 §1); add x-iss-security-token with temporary credentials",
        },
      },
    },
    paths,
  };
}
