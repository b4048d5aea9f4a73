import type { ServiceOutputTypes } from "@aws-sdk/client-s3";
import type { S3Sender } from "../../src/recording/storage/s3-storage.js";

/**
 * An S3 store with archive classes, as far as retrieval uses it: cold objects of one storage class
 * (GLACIER, DEEP_ARCHIVE) that read only once restored, and whose restores the test finishes
 * (`finish`), as the store would minutes or hours after the RestoreObject.
 */
export class FakeArchiveStore implements S3Sender {
  readonly restores: Array<{ Key: string; Days: number; Tier: string }> = [];
  /** Where each cold object's restore stands, and until when its copy is kept (the last request's Days from then). */
  private readonly state = new Map<string, "ongoing" | "done">();
  private readonly until = new Map<string, number>();
  private readonly coldKeys: Set<string>;

  constructor(
    coldKeys: string | readonly string[],
    private readonly storageClass: string,
    private readonly bytes: Buffer,
  ) {
    this.coldKeys = new Set(typeof coldKeys === "string" ? [coldKeys] : coldKeys);
  }

  /** The store finished every restore under way. */
  finish(): void {
    for (const key of this.state.keys()) this.state.set(key, "done");
  }

  send = (async (command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<ServiceOutputTypes> => {
    const { Key } = command.input as { Key: string };
    const missing = () => Object.assign(new Error("no such key"), { name: "NoSuchKey" });
    switch (command.constructor.name) {
      case "HeadObjectCommand": {
        if (!this.coldKeys.has(Key)) throw Object.assign(new Error("not found"), { name: "NotFound" });
        const state = this.state.get(Key);
        const expiry = new Date(this.until.get(Key) ?? 0).toUTCString();
        return { $metadata: {}, StorageClass: this.storageClass as never, ...(state === undefined ? {} : { Restore: state === "ongoing" ? 'ongoing-request="true"' : `ongoing-request="false", expiry-date="${expiry}"` }) };
      }
      case "RestoreObjectCommand": {
        if (this.state.get(Key) === "ongoing") throw Object.assign(new Error("restore already in progress"), { name: "RestoreAlreadyInProgress" });
        const request = command.input.RestoreRequest as { Days: number; GlacierJobParameters: { Tier: string } };
        this.restores.push({ Key, Days: request.Days, Tier: request.GlacierJobParameters.Tier });
        // As S3: kept until the midnight (UTC) after now + Days.
        this.until.set(Key, Math.ceil((Date.now() + request.Days * 86_400_000) / 86_400_000) * 86_400_000);
        // A restored copy gets the new period at once; anything else starts restoring.
        if (this.state.get(Key) !== "done") this.state.set(Key, "ongoing");
        return { $metadata: {} };
      }
      case "GetObjectCommand":
        // Archived bytes read only once restored; there is never a standard object.
        if (!this.coldKeys.has(Key) || this.state.get(Key) !== "done") throw missing();
        return { $metadata: {}, Body: { transformToByteArray: () => Promise.resolve(new Uint8Array(this.bytes)) } } as never;
      case "DeleteObjectCommand":
        // The expired copy's removal: a restored-in-place object has no standard key, so nothing goes.
        if (this.coldKeys.has(Key)) throw new Error(`the archived original ${Key} must not be deleted by retrieval`);
        return { $metadata: {} };
      default:
        throw new Error(`${command.constructor.name} is not expected in an archive restore`);
    }
  }) as S3Sender["send"];

  destroy(): void {}
}
