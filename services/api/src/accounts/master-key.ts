import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

export const DEFAULT_MASTER_KEY_FILE = "./var/master.key";

/** Accepts 64 hex digits or base64 of 32 bytes. */
export function parseMasterKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, "hex");
  const bytes = Buffer.from(trimmed, "base64");
  return bytes.length === 32 ? bytes : undefined;
}

/**
 * The master key from `IVC_MASTER_KEY`, else from the key file, which is created (mode 0600) with a
 * random key on first start. Throws with a one-line reason when the configured key is unusable.
 */
export async function loadMasterKey(envValue: string | undefined, file = DEFAULT_MASTER_KEY_FILE): Promise<Buffer> {
  if (envValue !== undefined && envValue !== "") {
    const key = parseMasterKey(envValue);
    if (!key) throw new Error("IVC_MASTER_KEY must be 64 hex digits or base64 of 32 bytes");
    return key;
  }
  try {
    const key = parseMasterKey(await readFile(file, "utf8"));
    if (!key) throw new Error(`${file} does not hold a 32-byte key (64 hex digits)`);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const key = randomBytes(32);
  await mkdir(dirname(file), { recursive: true });
  // `wx` so two processes starting together cannot overwrite each other's key.
  await writeFile(file, `${key.toString("hex")}\n`, { mode: 0o600, flag: "wx" }).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== "EEXIST") throw err;
  });
  const stored = parseMasterKey(await readFile(file, "utf8"));
  if (!stored) throw new Error(`${file} does not hold a 32-byte key (64 hex digits)`);
  return stored;
}
