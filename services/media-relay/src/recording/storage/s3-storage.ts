import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client, type StorageClass as S3StorageClass } from "@aws-sdk/client-s3";
import { assertSafeKey, StorageMissingError, type SegmentStorage, type StorageClass } from "./segment-storage.js";

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

/** Segments as S3 objects: a PUT is atomic, so a crash leaves either the whole object or none. */
export class S3SegmentStorage implements SegmentStorage {
  readonly kind = "s3" as const;
  private readonly client: S3Client;
  private readonly prefix: string;

  constructor(private readonly options: S3StorageOptions) {
    this.client = new S3Client({
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
      const reply = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key, storageClass) }));
      if (reply.Body === undefined) throw new StorageMissingError(key);
      return Buffer.from(await reply.Body.transformToByteArray());
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === "NoSuchKey") throw new StorageMissingError(key);
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
   * A server-side copy of the cold object to the standard key in the default class. An archive
   * class that needs a RestoreObject before it can be read (GLACIER, DEEP_ARCHIVE) is not handled:
   * the copy then fails, is logged with its stage and retried by the next pass.
   */
  async restore(key: string): Promise<void> {
    const { bucket } = this.options;
    try {
      await this.client.send(new CopyObjectCommand({ Bucket: bucket, Key: this.objectKey(key, "standard"), CopySource: `${bucket}/${encodeURI(this.objectKey(key, "cold"))}` }));
    } catch (err) {
      if ((err as { name?: string }).name === "NoSuchKey") throw new StorageMissingError(key);
      throw err;
    }
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
