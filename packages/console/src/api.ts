import { webSigningParts } from "@ivc/signing";
import type { ApiKey } from "./session.js";

/** The response body of every API call (spec 01 §4.1). */
interface Envelope<T> {
  RequestId: string;
  Code: number;
  StatusCode: number;
  Message: string;
  Data: T;
}

/** An answer whose StatusCode is not 200, or no answer at all (StatusCode 0): shown with code and message. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly detail: string,
    readonly requestId: string,
  ) {
    super(message);
  }
}

/** A signature stays valid this long; KeyTime starts a moment early for a server clock slightly behind. */
const VALID_SECONDS = 300;
const CLOCK_LEEWAY_SECONDS = 5;

export type Method = "GET" | "POST" | "PUT" | "DELETE";

/**
 * One signed call of the public API, as any client makes it: Host (as the browser will send it)
 * and Content-Type are signed, the SecretKey never leaves this page. Same origin: no CORS.
 */
export async function callApi<T>(key: ApiKey, method: Method, path: string, query: Record<string, string> = {}, body?: unknown): Promise<T> {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const hasBody = body !== undefined;
  const parts = await webSigningParts({
    secretId: key.secretId,
    secretKey: key.secretKey,
    method,
    pathname: path,
    query,
    headers: { Host: url.host, ...(hasBody ? { "Content-Type": "application/json" } : {}) },
    startSeconds: Math.floor(Date.now() / 1000) - CLOCK_LEEWAY_SECONDS,
    validSeconds: VALID_SECONDS,
  });
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { Authorization: parts.authorization, ...(hasBody ? { "Content-Type": "application/json" } : {}) },
      ...(hasBody ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    throw new ApiError(0, "network error", String(err), "");
  }
  const text = await res.text();
  let envelope: Envelope<T> | undefined;
  try {
    envelope = JSON.parse(text) as Envelope<T>;
  } catch {
    envelope = undefined;
  }
  if (typeof envelope?.StatusCode !== "number") throw new ApiError(0, `HTTP ${res.status}: not an API envelope`, text.slice(0, 200), "");
  if (envelope.StatusCode !== 200) {
    const detail = typeof envelope.Data === "string" ? envelope.Data : JSON.stringify(envelope.Data ?? "");
    throw new ApiError(envelope.StatusCode, envelope.Message, detail, envelope.RequestId);
  }
  return envelope.Data;
}

/** callApi bound to the logged-in key; what every page gets. */
export type Api = <T>(method: Method, path: string, query?: Record<string, string>, body?: unknown) => Promise<T>;

export function apiWith(key: ApiKey): Api {
  return (method, path, query, body) => callApi(key, method, path, query, body);
}
