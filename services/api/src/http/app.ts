import { randomUUID } from "node:crypto";
import multipart from "@fastify/multipart";
import Fastify, { LogController } from "fastify";
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ErrorCodes } from "../errors/codes.js";
import type { Failure } from "../errors/outcome.js";
import { succeed } from "../errors/outcome.js";
import { buildOpenApi } from "../openapi/document.js";
import { splitRequestTarget } from "../signing/request.js";
import type { Authenticator } from "./authenticate.js";
import { failureEnvelope, successEnvelope } from "./envelope.js";
import { FileDownload } from "./file-download.js";
import { jsonBody, readRouteBody } from "./form-body.js";
import { createRawUtf8TolerantServer } from "./raw-utf8-target.js";
import type { ApiRoute } from "./route.js";

/** Spec 01 §3: the `Server` response header's documented value. */
export const SERVER_HEADER = "tencent-iss";
export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface AppDeps {
  readonly routes: readonly ApiRoute[];
  readonly authenticate: Authenticator;
  readonly logger?: FastifyBaseLogger;
  /** Called once per answered request (metrics). */
  readonly observe?: (request: { method: string; route: string; statusCode: number }, seconds: number) => void;
}

declare module "fastify" {
  interface FastifyRequest {
    appId?: string;
  }
}

function sendFailure(request: FastifyRequest, reply: FastifyReply, failure: Failure): FastifyReply {
  return reply.code(failure.error.httpStatus).send(failureEnvelope(request.id, failure));
}

/** Framework refusals (before our handler runs) as safe, fixed details: fastify's own messages are not echoed. */
const FRAMEWORK_DETAILS: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: "request body is not valid JSON",
  FST_ERR_CTP_EMPTY_JSON_BODY: "request body is empty but Content-Type is application/json",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "Content-Type must be application/json",
  FST_ERR_CTP_BODY_TOO_LARGE: `request body exceeds ${BODY_LIMIT_BYTES} bytes`,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "Content-Length does not match the body",
};

function noRouteSchemas(): never {
  throw new Error("API routes declare no fastify schemas: input is checked by src/validation");
}

/** The REST API as a fastify instance; usable with `app.inject()` without listening. */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
    serverFactory: createRawUtf8TolerantServer,
    // Per-request lines would dominate the log at list-polling rates; /metrics counts requests, errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // Routes carry no fastify schemas (src/validation checks input, JSON.stringify writes output), so
    // the schema compilers are never needed; naming them keeps ajv and fast-json-stringify from
    // being loaded at every start (a tenth of a restart's CPU).
    schemaController: { compilersFactory: { buildValidator: noRouteSchemas, buildSerializer: noRouteSchemas } },
  });

  app.addHook("onRequest", async (request, reply) => {
    reply.header("Server", SERVER_HEADER);
    reply.header("RequestId", request.id);
  });

  const observe = deps.observe;
  if (observe) {
    app.addHook("onResponse", async (request, reply) => {
      observe({ method: request.method, route: request.routeOptions.url ?? "unmatched", statusCode: reply.statusCode }, reply.elapsedTime / 1000);
    });
  }

  // Every JSON body is parsed with the standard parser, which also rejects `__proto__` keys.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const code = error.code;
    if (code !== undefined && code in FRAMEWORK_DETAILS) {
      return sendFailure(request, reply, { error: ErrorCodes.InvalidParameter, detail: FRAMEWORK_DETAILS[code] ?? "malformed request" });
    }
    if (error.statusCode !== undefined && error.statusCode < 500) {
      return sendFailure(request, reply, { error: ErrorCodes.InvalidParameter, detail: "malformed request" });
    }
    request.log.error({ err: error, method: request.method, url: request.url }, "request failed");
    return sendFailure(request, reply, { error: ErrorCodes.OperationFailed, detail: `internal error; quote RequestId ${request.id}` });
  });

  app.setNotFoundHandler((request, reply) =>
    sendFailure(request, reply, { error: ErrorCodes.RouteNotFound, detail: `no route ${request.method} ${request.url.split("?")[0]}` }),
  );

  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    const target = splitRequestTarget(request.raw.url ?? request.url);
    if (!target.ok) return sendFailure(request, reply, { error: ErrorCodes.InvalidToken, detail: target.reason });
    const token = request.headers["x-iss-security-token"];
    const result = await deps.authenticate({
      authorization: request.headers.authorization,
      securityToken: typeof token === "string" ? token : undefined,
      request: { method: request.method, ...target.value, headers: request.headers },
    });
    if (!result.ok) return sendFailure(request, reply, result.failure);
    request.appId = result.value.appId;
  };

  const addRoute = (scope: FastifyInstance, route: ApiRoute) =>
    scope.route({
      method: route.method,
      url: route.url,
      onRequest: authenticate,
      handler: async (request, reply) => {
        const caller = { appId: request.appId ?? "", requestId: request.id };
        const body = route.form ? await readRouteBody(request, route.form) : succeed(jsonBody(request.body));
        if (!body.ok) return sendFailure(request, reply, body.failure);
        const outcome = await route.run(caller, request.query, body.value);
        if (!outcome.ok) return sendFailure(request, reply, outcome.failure);
        if (outcome.value instanceof FileDownload) {
          return reply.type(outcome.value.contentType).header("Content-Disposition", outcome.value.contentDisposition()).send(outcome.value.body);
        }
        return reply.send(successEnvelope(request.id, outcome.value));
      },
    });

  for (const route of deps.routes.filter((r) => !r.form)) addRoute(app, route);
  // Only form routes parse multipart/form-data; every other route keeps refusing it (40001).
  void app.register(async (scope) => {
    // Parts are read only when a form route asks (form-body.ts), after authentication.
    await scope.register(multipart);
    for (const route of deps.routes.filter((r) => r.form)) addRoute(scope, route);
  });

  const openApi = buildOpenApi(deps.routes);
  app.get("/openapi.json", async () => openApi);
  return app;
}
