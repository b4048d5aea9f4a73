import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  RestoreObjectCommand,
  S3Client,
  type HeadObjectCommandOutput,
  type StorageClass as S3StorageClass,
} from "@aws-sdk/client-s3";
import { assertSafeKey, StorageMissingError, type RestoreState, type SegmentStorage, type StorageClass } from "./segment-storage.js";

export interface S3StorageOptions {
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Key prefix of every object (e.g. one gateway's folder in a shared bucket). */
  prefix?: string;
  /**
   * Cold objects live under `<prefix>cold/`; when the store has an archive class (e.g. GLACIER),
   * they are also written with it. The gateway runs the lifecycle itself: not every S3-compatible
   * store has lifecycle rules.
   */
  coldStorageClass?: S3StorageClass;
  /** Path-style URLs (MinIO, s3rver and most self-hosted stores need them). */
  forcePathStyle?: boolean;
}

const COLD_PREFIX = "cold/";

/** Classes whose objects cannot be read or copied until a RestoreObject has made a temporary copy. */
const ARCHIVE_CLASSES = new Set<string>(["GLACIER", "DEEP_ARCHIVE"]);
/** What a store without RestoreObject answers it (s3rver: NotImplemented, MinIO without tiers: NotImplemented or MethodNotAllowed). */
const RESTORE_REFUSALS = new Set(["NotImplemented", "MethodNotAllowed"]);
const DAY_MS = 86_400_000;

/** What the relay needs of an S3 client: its commands, and closing. */
export type S3Sender = Pick<S3Client, "send" | "destroy">;

/** Segments as S3 objects: a PUT is atomic, so a crash leaves either the whole object or none. */
export class S3SegmentStorage implements SegmentStorage {
  readonly kind = "s3" as const;
  private readonly client: S3Sender;
  private readonly prefix: string;
  /** Set once the store refused a RestoreObject: later restores go straight to the copy. */
  private restoreRefused = false;

  /** `client` replaces the one built from the options (a test's fake store). */
  constructor(
    private readonly options: S3StorageOptions,
    client?: S3Sender,
  ) {
    this.client =
      client ??
      new S3Client({
        region: options.region,
        credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
        forcePathStyle: options.forcePathStyle ?? true,
        ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
      });
    this.prefix = options.prefix ?? "";
  }

  async put(key: string, data: Buffer): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key, "standard"), Body: data, ContentType: "video/mp2t" }));
  }

  async read(key: string, storageClass: StorageClass): Promise<Buffer> {
    try {
      return await this.get(key, storageClass);
    } catch (err) {
      // A segment restored in place (archive class) has no standard object: its readable copy is the cold key's.
      if (err instanceof StorageMissingError && storageClass === "standard" && restoredInPlace(await this.head(key).catch(() => undefined))) return this.get(key, "cold");
      throw err;
    }
  }

  private async get(key: string, storageClass: StorageClass): Promise<Buffer> {
    try {
      const reply = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key, storageClass) }));
      if (reply.Body === undefined) throw new StorageMissingError(key);
      return Buffer.from(await reply.Body.transformToByteArray());
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === "NoSuchKey") throw new StorageMissingError(key);
      throw err;
    }
  }

  /** The cold object's head; a StorageMissingError when there is none. */
  private async head(key: string): Promise<HeadObjectCommandOutput> {
    try {
      return await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key, "cold") }));
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === "NotFound" || name === "NoSuchKey") throw new StorageMissingError(key);
      throw err;
    }
  }

  async toCold(key: string): Promise<void> {
    const { bucket, coldStorageClass } = this.options;
    const source = this.objectKey(key, "standard");
    try {
      await this.client.send(
        new CopyObjectCommand({ Bucket: bucket, Key: this.objectKey(key, "cold"), CopySource: `${bucket}/${encodeURI(source)}`, ...(coldStorageClass !== undefined ? { StorageClass: coldStorageClass } : {}) }),
      );
    } catch (err) {
      if ((err as { name?: string }).name === "NoSuchKey") return; // moved before (a retried lifecycle pass)
      throw err;
    }
    await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: source }));
  }

  /**
   * An object in an archive class (GLACIER, DEEP_ARCHIVE) cannot be copied before it is restored:
   * it gets a RestoreObject for `days` and is readable in place (`read` falls back to it) once its
   * Restore header says ongoing-request="false"; the store drops that temporary copy itself after
   * `days`, so the later `remove(key, "standard")` has nothing left to delete; a restored copy that
   * would lapse before `days` (an earlier, shorter task) gets its RestoreObject again, which S3
   * takes as a new period. Any other object, and
   * every object on a store that refuses RestoreObject (s3rver, MinIO without tiering), gets a
   * server-side copy to the standard key.
   */
  async restore(key: string, days: number): Promise<RestoreState> {
    const head = await this.head(key);
    if (this.restoreRefused || !ARCHIVE_CLASSES.has(head.StorageClass ?? "")) return this.copyToStandard(key);
    if (restoredInPlace(head)) {
      // S3 keeps the copy until the midnight (UTC) after completion + Days: a day's slack spares a new request for the same period.
      if (restoredUntil(head) + DAY_MS < Date.now() + days * DAY_MS) await this.requestRestore(key, days, head);
      return "restored";
    }
    if (head.Restore?.includes('ongoing-request="true"') === true) return "restoring";
    try {
      await this.requestRestore(key, days, head);
    } catch (err) {
      const name = (err as { name?: string }).name ?? "";
      if (name === "RestoreAlreadyInProgress") return "restoring";
      if (!RESTORE_REFUSALS.has(name)) throw err;
      this.restoreRefused = true;
      return this.copyToStandard(key);
    }
    return "restoring";
  }

  private async requestRestore(key: string, days: number, head: HeadObjectCommandOutput): Promise<void> {
    await this.client.send(
      new RestoreObjectCommand({
        Bucket: this.options.bucket,
        Key: this.objectKey(key, "cold"),
        // Mode 1 is expedited; DEEP_ARCHIVE has no expedited tier, its fastest is Standard.
        RestoreRequest: { Days: days, GlacierJobParameters: { Tier: head.StorageClass === "DEEP_ARCHIVE" ? "Standard" : "Expedited" } },
      }),
    );
  }

  /** A server-side copy of the cold object to the standard key in the default class. */
  private async copyToStandard(key: string): Promise<RestoreState> {
    const { bucket } = this.options;
    try {
      await this.client.send(new CopyObjectCommand({ Bucket: bucket, Key: this.objectKey(key, "standard"), CopySource: `${bucket}/${encodeURI(this.objectKey(key, "cold"))}` }));
    } catch (err) {
      if ((err as { name?: string }).name === "NoSuchKey") throw new StorageMissingError(key);
      throw err;
    }
    return "restored";
  }

  async remove(key: string, storageClass: StorageClass): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key, storageClass) }));
  }

  /** Nothing to do: a PUT that did not complete stored nothing. */
  recover(): Promise<number> {
    return Promise.resolve(0);
  }

  close(): void {
    this.client.destroy();
  }

  private objectKey(key: string, storageClass: StorageClass): string {
    assertSafeKey(key);
    return `${this.prefix}${storageClass === "cold" ? COLD_PREFIX : ""}${key}`;
  }
}

/** Whether an archived object's temporary restored copy is readable now (S3 sets `ongoing-request="false"` once the restore finished). */
function restoredInPlace(head: HeadObjectCommandOutput | undefined): boolean {
  return head !== undefined && ARCHIVE_CLASSES.has(head.StorageClass ?? "") && head.Restore?.includes('ongoing-request="false"') === true;
}

/** When a restored copy lapses: the Restore header's expiry-date (`ongoing-request="false", expiry-date="Fri, 18 Dec 2026 00:00:00 GMT"`); 0 when it names none. */
function restoredUntil(head: HeadObjectCommandOutput): number {
  const date = /expiry-date="([^"]+)"/.exec(head.Restore ?? "")?.[1];
  const ms = date === undefined ? NaN : Date.parse(date);
  return Number.isNaN(ms) ? 0 : ms;
}
