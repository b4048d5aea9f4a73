import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export interface ApiKey {
  secretId: string;
  secretKey: string;
  /** Where it came from, for the summary: the environment, or a key this launcher made earlier. */
  source: "environment" | "generated";
}

const ALPHANUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomToken(length: number): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => ALPHANUM[b % ALPHANUM.length]).join("");
}

/**
 * The first account's API key: IVC_SECRET_ID/IVC_SECRET_KEY when given, else one generated at the
 * first start and kept (mode 0600) in `file`, so every later start prints and seeds the same key.
 */
export function resolveFirstKey(env: NodeJS.ProcessEnv, file: string): ApiKey {
  if (env.IVC_SECRET_ID && env.IVC_SECRET_KEY) {
    return { secretId: env.IVC_SECRET_ID, secretKey: env.IVC_SECRET_KEY, source: "environment" };
  }
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, "utf8")) as { secretId: string; secretKey: string };
    return { ...saved, source: "generated" };
  }
  const key = { secretId: `AKID${randomToken(32)}`, secretKey: randomToken(32) };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(key, null, 2), { mode: 0o600 });
  return { ...key, source: "generated" };
}
