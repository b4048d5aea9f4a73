import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { signingParts } from "../signing/sign.js";
import type { SigningParts } from "../signing/sign.js";
import type { Envelope } from "../http/envelope.js";

export type { Envelope };

export interface ApiKey {
  readonly secretId: string;
  readonly secretKey: string;
}

/** Where the CLI's HTTP commands go and with which key. */
export interface ApiTarget {
  readonly baseUrl: string;
  readonly key: ApiKey;
}

/** Nothing usable came back: no connection, or an answer that is not an envelope. */
export class ApiUnreachable extends Error {}

/** A signature stays valid this long; long enough for a slow link, short enough not to be worth replaying. */
const VALID_SECONDS = 300;
/** KeyTime starts a moment in the past, so a server clock slightly behind ours accepts it. */
const CLOCK_LEEWAY_SECONDS = 5;
/** Every API call answers within seconds (bus requests time out sooner); past this something is stuck. */
export const REQUEST_TIMEOUT_MS = 30_000;

export function apiBaseUrl(env: NodeJS.ProcessEnv): string {
  return env.API_URL || `http://127.0.0.1:${env.API_PORT || "8080"}`;
}

/**
 * The key `npm start` gave the first account: IVC_SECRET_ID/IVC_SECRET_KEY, else the one the
 * launcher generated and kept in `<IVC_VAR_DIR>/first-key.json` (packages/launcher first-key.ts).
 */
export function resolveApiKey(env: NodeJS.ProcessEnv): ApiKey {
  if (env.IVC_SECRET_ID && env.IVC_SECRET_KEY) return { secretId: env.IVC_SECRET_ID, secretKey: env.IVC_SECRET_KEY };
  const file = join(env.IVC_VAR_DIR || "./var", "first-key.json");
  if (!existsSync(file)) {
    throw new ApiUnreachable(`no API key: set IVC_SECRET_ID and IVC_SECRET_KEY, or run npm start once here (it writes ${file})`);
  }
  const saved = JSON.parse(readFileSync(file, "utf8")) as Partial<ApiKey>;
  if (typeof saved.secretId !== "string" || typeof saved.secretKey !== "string") throw new ApiUnreachable(`${file} holds no secretId/secretKey`);
  return { secretId: saved.secretId, secretKey: saved.secretKey };
}

/** The request as signed: decoded path and query (spec 01 §1.2), Host as fetch sends it, Content-Type with a body. */
export function signRequest(target: ApiTarget, method: string, url: URL, hasBody: boolean, nowSeconds: number): SigningParts {
  const query: Record<string, string> = {};
  // A key given twice is signed with its first value, as the server does.
  for (const [k, v] of url.searchParams) if (!(k in query)) query[k] = v;
  const headers: Record<string, string> = { Host: url.host, ...(hasBody ? { "Content-Type": "application/json" } : {}) };
  return signingParts({
    secretId: target.key.secretId,
    secretKey: target.key.secretKey,
    method,
    pathname: decodeURIComponent(url.pathname),
    query,
    headers,
    startSeconds: nowSeconds - CLOCK_LEEWAY_SECONDS,
    validSeconds: VALID_SECONDS,
  });
}

function isEnvelope(value: unknown): value is Envelope {
  return typeof value === "object" && value !== null && typeof (value as Envelope).StatusCode === "number";
}

/** One signed request to the public API; `body` is JSON text. */
export async function callApi<T = unknown>(
  target: ApiTarget,
  method: string,
  path: string,
  body?: string,
  beforeSending?: (url: URL, parts: SigningParts) => void,
): Promise<Envelope<T>> {
  const url = new URL(path, target.baseUrl);
  const parts = signRequest(target, method, url, body !== undefined, Math.floor(Date.now() / 1000));
  beforeSending?.(url, parts);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { Authorization: parts.authorization, ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
      ...(body !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === "TimeoutError") {
      throw new ApiUnreachable(`the API at ${target.baseUrl} did not answer ${method} ${url.pathname} within ${REQUEST_TIMEOUT_MS / 1000} s`);
    }
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
    throw new ApiUnreachable(`cannot reach the API at ${target.baseUrl} (${why}): start the gateway (npm start), or set API_URL / API_PORT`);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!isEnvelope(parsed)) {
    throw new ApiUnreachable(`HTTP ${res.status} from ${method} ${url.href} is not an API envelope: ${text.slice(0, 200)}`);
  }
  return parsed as Envelope<T>;
}

/** `ivc api --explain`: the steps of spec 01 §1.2 as this request went through them. */
export function explainLines(method: string, url: URL, parts: SigningParts): string[] {
  const show = (text: string) => text.split("\n").map((line) => `    ${JSON.stringify(line)}`);
  return [
    `request        ${method} ${url.href}`,
    `KeyTime        ${parts.keyTime}`,
    "HttpString (lines, \\n after each):",
    ...show(parts.httpString.slice(0, -1)),
    "StringToSign (lines, \\n after each):",
    ...show(parts.stringToSign.slice(0, -1)),
    `Signature      ${parts.signature}`,
    `Authorization  ${parts.authorization}`,
  ];
}
