import { ApiUnreachable, callApi } from "./api-client.js";
import type { ApiTarget, Envelope } from "./api-client.js";

/** What an HTTP command prints and how it exits. */
export interface HttpCommandResult {
  readonly code: number;
  readonly out: readonly string[];
  readonly err: readonly string[];
}

/** Exit statuses of the HTTP commands (documented in USAGE). */
export const Exit = { Ok: 0, Refused: 1, Unreachable: 2, Usage: 64 } as const;

export const printed = (out: readonly string[]): HttpCommandResult => ({ code: Exit.Ok, out, err: [] });

/** A service answered, and said no. */
export class Refusal extends Error {}

/** The API answered with a StatusCode other than 200. */
export class ApiRefused extends Refusal {
  constructor(
    readonly what: string,
    readonly envelope: Envelope,
  ) {
    const data = typeof envelope.Data === "string" ? `: ${envelope.Data}` : "";
    super(`${what} refused: StatusCode ${envelope.StatusCode} ${envelope.Message}${data} (RequestId ${envelope.RequestId})`);
  }
}

/** A mistake in the command line itself. */
export class UsageError extends Error {}

/** The Data of a 200 envelope; anything else is an ApiRefused naming the call. */
export async function dataOf<T>(target: ApiTarget, method: string, path: string, body?: unknown): Promise<T> {
  const envelope = await callApi<T>(target, method, path, body === undefined ? undefined : JSON.stringify(body));
  if (envelope.StatusCode !== 200) throw new ApiRefused(`${method} ${new URL(path, target.baseUrl).pathname}`, envelope);
  return envelope.Data;
}

/** Runs an HTTP command; the errors above become their message and exit status, anything else propagates. */
export async function runHttp(body: () => Promise<HttpCommandResult>): Promise<HttpCommandResult> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof Refusal) return { code: Exit.Refused, out: [], err: [err.message] };
    if (err instanceof ApiUnreachable) return { code: Exit.Unreachable, out: [], err: [err.message] };
    if (err instanceof UsageError) return { code: Exit.Usage, out: [], err: [err.message] };
    throw err;
  }
}
