import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { assertSafeKey, StorageMissingError, type RestoreState, type SegmentStorage, type StorageClass } from "./segment-storage.js";

export interface DiskStorageOptions {
  /** Standard segments (IVC_VAR_DIR/recordings by default). */
  root: string;
  /** Cold segments; may be another volume. Default `<root>/cold`. */
  coldRoot?: string;
}

const PARTIAL_SUFFIX = ".part";

/**
 * Segments as files. A write goes to `<name>.part`, is fsynced, renamed into place and the folder
 * fsynced: after a crash a segment file is either complete or absent, and `recover` removes the
 * `.part` leftovers.
 */
export class DiskSegmentStorage implements SegmentStorage {
  readonly kind = "disk" as const;
  private readonly roots: Record<StorageClass, string>;

  constructor(options: DiskStorageOptions) {
    this.roots = { standard: join(options.root, "standard"), cold: options.coldRoot ?? join(options.root, "cold") };
  }

  async put(key: string, data: Buffer): Promise<void> {
    const path = this.path(key, "standard");
    await mkdir(dirname(path), { recursive: true });
    await writeDurably(path, data);
    await syncDir(dirname(path));
  }

  async read(key: string, storageClass: StorageClass): Promise<Buffer> {
    try {
      return await readFile(this.path(key, storageClass));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new StorageMissingError(key);
      throw err;
    }
  }

  async toCold(key: string): Promise<void> {
    const from = this.path(key, "standard");
    const to = this.path(key, "cold");
    await mkdir(dirname(to), { recursive: true });
    try {
      await rename(from, to);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return; // moved before (a retried lifecycle pass)
      if (code !== "EXDEV") throw err;
      // Another volume: copy durably, then drop the original.
      await writeDurably(to, await readFile(from));
      await rm(from, { force: true });
    }
    await syncDir(dirname(to));
  }

  async restore(key: string): Promise<RestoreState> {
    const to = this.path(key, "standard");
    await mkdir(dirname(to), { recursive: true });
    // A copy, not a move: the archived original keeps its own lifecycle.
    await writeDurably(to, await this.read(key, "cold"));
    await syncDir(dirname(to));
    return "restored";
  }

  async remove(key: string, storageClass: StorageClass): Promise<void> {
    await rm(this.path(key, storageClass), { force: true });
  }

  async recover(): Promise<number> {
    let removed = 0;
    for (const root of Object.values(this.roots)) {
      const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (!entry.isFile() || !entry.name.endsWith(PARTIAL_SUFFIX)) continue;
        await rm(join(entry.parentPath, entry.name), { force: true });
        removed++;
      }
    }
    return removed;
  }

  private path(key: string, storageClass: StorageClass): string {
    assertSafeKey(key);
    return join(this.roots[storageClass], ...key.split("/"));
  }
}

/** A rename is durable once its folder is synced (POSIX: the entry lives in the folder). */
async function syncDir(path: string): Promise<void> {
  const dir = await open(path, "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** `path` appears whole or not at all: written beside it as `.part`, fsynced, then renamed. */
async function writeDurably(path: string, data: Buffer): Promise<void> {
  const partial = `${path}${PARTIAL_SUFFIX}`;
  const file = await open(partial, "w");
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(partial, path);
}
