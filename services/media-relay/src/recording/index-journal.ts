import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { StoredSegment } from "@ivc/bus";

/**
 * Index reports of stored segments the API has not acknowledged yet, one small file each, so a
 * relay killed after a segment became durable still gets it indexed (replayed at start). The API
 * indexes by object key, so a report sent twice adds one row.
 */
export class IndexJournal {
  constructor(private readonly dir: string) {}

  async add(segment: StoredSegment): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const path = this.path(segment.objectKey);
    const file = await open(`${path}.part`, "w");
    try {
      await file.writeFile(JSON.stringify(segment));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(`${path}.part`, path);
  }

  async remove(objectKey: string): Promise<void> {
    await rm(this.path(objectKey), { force: true });
  }

  /** Reports left by an earlier run; unreadable leftovers (a crash mid-write) are dropped. */
  async pending(): Promise<StoredSegment[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const out: StoredSegment[] = [];
    for (const name of names) {
      const path = join(this.dir, name);
      if (!name.endsWith(".json")) {
        await rm(path, { force: true });
        continue;
      }
      try {
        out.push(JSON.parse(await readFile(path, "utf8")) as StoredSegment);
      } catch {
        await rm(path, { force: true });
      }
    }
    return out.sort((a, b) => a.startMs - b.startMs);
  }

  private path(objectKey: string): string {
    return join(this.dir, `${objectKey.replaceAll("/", "~")}.json`);
  }
}
