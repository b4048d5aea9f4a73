/** Where a segment's bytes live: standard storage plays and downloads; cold storage needs a restore first. */
export const storageClasses = ["standard", "cold"] as const;
export type StorageClass = (typeof storageClasses)[number];

/**
 * Segment bytes behind one interface (local disk, S3-compatible). Keys are relative paths with
 * `/` separators (see `segmentKey`). The relay indexes a segment only after `put` resolved, so an
 * index row never names bytes that a crash lost.
 */
export interface SegmentStorage {
  readonly kind: "disk" | "s3";
  /** Resolves once the bytes are durable (fsync + rename on disk, a completed PUT on S3). */
  put(key: string, data: Buffer): Promise<void>;
  /** The segment's bytes; rejects with a StorageMissingError when there is none. */
  read(key: string, storageClass: StorageClass): Promise<Buffer>;
  /** Moves a standard segment to cold storage (idempotent: an already cold one stays). */
  toCold(key: string): Promise<void>;
  /**
   * Makes a cold segment readable as standard for a retrieval task of `days` (idempotent): a copy
   * to standard storage (the cold original stays, and `remove(key, "standard")` drops the copy when
   * it expires), or on an S3 archive class a RestoreObject, which takes minutes to hours: then
   * "restoring" until the store reports the restored copy readable, and the caller asks again.
   */
  restore(key: string, days: number): Promise<RestoreState>;
  /** Deletes a segment (idempotent). */
  remove(key: string, storageClass: StorageClass): Promise<void>;
  /** Discards what writes interrupted by a crash left behind; returns how many pieces. */
  recover(): Promise<number>;
}

/** Where a restore stands: readable now, or still under way in the store. */
export type RestoreState = "restored" | "restoring";

export class StorageMissingError extends Error {
  constructor(key: string) {
    super(`no stored segment ${key}`);
    this.name = "StorageMissingError";
  }
}

/** Key of a segment: per device and channel, a folder per UTC day, the name its time range. */
export function segmentKey(deviceId: string, channelId: string, startMs: number, endMs: number): string {
  const day = new Date(startMs).toISOString().slice(0, 10).replaceAll("-", "");
  return `${deviceId}/${channelId}/${day}/${startMs}-${endMs}.ts`;
}

/** A key must stay inside the storage root: no absolute path, `..`, or empty part. */
export function assertSafeKey(key: string): void {
  if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(key) || key.split("/").some((part) => part === "." || part === "..")) {
    throw new Error(`unsafe segment key ${JSON.stringify(key)}`);
  }
}
