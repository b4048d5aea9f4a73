import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { KeyObject } from "node:crypto";
import { encodeBundle, type BundleService } from "./bundle-format.js";

/** Every regular file under `dir`, as bundle paths (POSIX separators), sorted for reproducible bundles. */
export async function collectFiles(dir: string): Promise<Array<{ path: string; data: Buffer }>> {
  const out: Array<{ path: string; data: Buffer }> = [];
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const full = join(at, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push({ path: relative(dir, full).split(sep).join("/"), data: await readFile(full) });
    }
  };
  await walk(dir);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Signs the tree under `dir` as release `version` running `services`. */
export async function buildBundleFromDirectory(
  dir: string,
  meta: { version: string; services: Record<string, BundleService>; notes?: string },
  privateKey: KeyObject,
): Promise<Buffer> {
  return encodeBundle(meta, await collectFiles(dir), privateKey);
}
