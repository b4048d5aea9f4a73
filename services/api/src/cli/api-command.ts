import { readFile } from "node:fs/promises";
import { callApi, explainLines } from "./api-client.js";
import type { ApiTarget } from "./api-client.js";
import { Exit, UsageError } from "./http-command.js";
import type { HttpCommandResult } from "./http-command.js";

export const API_USAGE = `  api METHOD PATH [JSON|@FILE] [--explain]        one signed request to the running API; prints the envelope,
                                                   exits 1 when StatusCode is not 200; --explain also prints
                                                   (to stderr) the string to sign and the other signing steps`;

const METHODS = ["GET", "POST", "PUT", "DELETE"];

export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly body: string | undefined;
  readonly explain: boolean;
}

async function bodyText(arg: string | undefined): Promise<string | undefined> {
  if (arg === undefined) return undefined;
  const text = arg.startsWith("@")
    ? await readFile(arg.slice(1), "utf8").catch((err: unknown) => {
        throw new UsageError(`cannot read ${arg.slice(1)}: ${err instanceof Error ? err.message : String(err)}`);
      })
    : arg;
  try {
    JSON.parse(text);
  } catch (err) {
    throw new UsageError(`the body is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  return text;
}

/** argv after `api`; checked before any key is looked for, so a typo is reported as one. */
export async function parseApiRequest(argv: readonly string[]): Promise<ApiRequest> {
  const words = argv.filter((w) => w !== "--explain");
  const [methodWord, path, body, ...rest] = words;
  const method = methodWord?.toUpperCase() ?? "";
  if (!METHODS.includes(method) || path === undefined || !path.startsWith("/") || rest.length > 0) {
    throw new UsageError(`usage: ivc api METHOD PATH [JSON|@FILE] [--explain]  (METHOD one of ${METHODS.join(", ")}, PATH like /ivc/cms/config/getuserregion)`);
  }
  return { method, path, body: await bodyText(body), explain: argv.includes("--explain") };
}

/** `ivc api …`: no database, only the public API, signed like any client. */
export async function runApiCommand(target: ApiTarget, request: ApiRequest): Promise<HttpCommandResult> {
  // Printed before sending, so it is there to compare with even when the API cannot be reached.
  const explain = (url: URL, parts: Parameters<typeof explainLines>[2]) => {
    for (const line of explainLines(request.method, url, parts)) process.stderr.write(`${line}\n`);
  };
  const envelope = await callApi(target, request.method, request.path, request.body, request.explain ? explain : undefined);
  return { code: envelope.StatusCode === 200 ? Exit.Ok : Exit.Refused, out: [JSON.stringify(envelope, null, 2)], err: [] };
}
