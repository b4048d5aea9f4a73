import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiskSegmentStorage } from "../../src/recording/storage/disk-storage.js";
import { S3SegmentStorage, type S3Sender } from "../../src/recording/storage/s3-storage.js";
import { segmentKey, StorageMissingError, type SegmentStorage } from "../../src/recording/storage/segment-storage.js";
import { FakeArchiveStore } from "../support/fake-archive-s3.js";
import { startS3Server, type TestS3Server } from "../support/s3-server.js";

const key = segmentKey("34020000001320000001", "34020000001310000001", Date.UTC(2026, 11, 7, 10, 0, 0), Date.UTC(2026, 11, 7, 10, 0, 4));
const bytes = Buffer.from(Array.from({ length: 188 * 50 }, (_, i) => i & 0xff));

/** The same contract for both stores. */
function contract(name: string, make: () => SegmentStorage): void {
  describe(`${name} segment storage`, () => {
    it("round-trips a segment's bytes", async () => {
      const storage = make();
      await storage.put(key, bytes);
      expect((await storage.read(key, "standard")).equals(bytes)).toBe(true);
    });

    it("moves a segment to cold storage, where it reads only as cold, and deletes it", async () => {
      const storage = make();
      await storage.put(key, bytes);
      await storage.toCold(key);
      await storage.toCold(key); // a repeated lifecycle pass is harmless
      await expect(storage.read(key, "standard")).rejects.toBeInstanceOf(StorageMissingError);
      expect((await storage.read(key, "cold")).equals(bytes)).toBe(true);
      await storage.remove(key, "cold");
      await expect(storage.read(key, "cold")).rejects.toBeInstanceOf(StorageMissingError);
      await storage.remove(key, "cold");
    });

    it("restores a cold segment as a standard copy beside the archived original, and removes the copy", async () => {
      const storage = make();
      const restoredKey = key.replace(".ts", "-r.ts");
      await storage.put(restoredKey, bytes);
      await storage.toCold(restoredKey);
      expect(await storage.restore(restoredKey, 7)).toBe("restored");
      expect(await storage.restore(restoredKey, 7)).toBe("restored"); // a repeated pass is harmless
      expect((await storage.read(restoredKey, "standard")).equals(bytes)).toBe(true);
      expect((await storage.read(restoredKey, "cold")).equals(bytes)).toBe(true);
      await storage.remove(restoredKey, "standard");
      await expect(storage.read(restoredKey, "standard")).rejects.toBeInstanceOf(StorageMissingError);
      expect((await storage.read(restoredKey, "cold")).equals(bytes)).toBe(true);
      await expect(storage.restore(key.replace(".ts", "-none.ts"), 7)).rejects.toBeInstanceOf(StorageMissingError);
    });

    it("refuses keys that would leave its root", async () => {
      const storage = make();
      await expect(storage.put("../escape.ts", bytes)).rejects.toThrow(/unsafe segment key/);
      await expect(storage.read("/etc/passwd", "standard")).rejects.toThrow(/unsafe segment key/);
    });
  });
}

const diskRoot = mkdtempSync(join(tmpdir(), "ivc-recordings-"));
contract("disk", () => new DiskSegmentStorage({ root: diskRoot }));

describe("disk segment storage after a crash", () => {
  it("leaves a completed segment and removes a half-written one at start", async () => {
    const root = mkdtempSync(join(tmpdir(), "ivc-recordings-crash-"));
    const storage = new DiskSegmentStorage({ root });
    await storage.put(key, bytes);
    const folder = join(root, "standard", ...key.split("/").slice(0, -1));
    // What a kill -9 during put leaves: the temporary file, never the final name.
    writeFileSync(join(folder, "1765101604000-1765101608000.ts.part"), bytes.subarray(0, 1000));
    expect(await new DiskSegmentStorage({ root }).recover()).toBe(1);
    expect(readdirSync(folder)).toEqual([key.split("/").at(-1)]);
    expect((await storage.read(key, "standard")).equals(bytes)).toBe(true);
    expect(existsSync(join(folder, "1765101604000-1765101608000.ts"))).toBe(false);
  });
});

let s3: TestS3Server;
const clients: S3SegmentStorage[] = [];
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  for (const client of clients) client.close();
  await s3.close();
});
contract("S3 (s3rver)", () => {
  const storage = new S3SegmentStorage({ endpoint: s3.endpoint, region: "us-east-1", bucket: s3.bucket, accessKeyId: "S3RVER", secretAccessKey: "S3RVER", prefix: "gw1/", coldStorageClass: "GLACIER" });
  clients.push(storage);
  return storage;
});

const s3Options = () => ({ endpoint: s3.endpoint, region: "us-east-1", bucket: s3.bucket, accessKeyId: "S3RVER", secretAccessKey: "S3RVER", prefix: "gw2/", coldStorageClass: "GLACIER" as const });

/** Forwards to `inner`, keeping the name of every command sent (and whether it failed). */
function recording(inner: S3Sender): { client: S3Sender; sent: string[] } {
  const sent: string[] = [];
  const client: S3Sender = {
    send: (async (command: { constructor: { name: string } }) => {
      try {
        const reply: unknown = await (inner.send as (c: unknown) => Promise<unknown>)(command);
        sent.push(command.constructor.name);
        return reply;
      } catch (err) {
        sent.push(`${command.constructor.name}!${(err as Error).name}`);
        throw err;
      }
    }) as S3Sender["send"],
    destroy: () => inner.destroy(),
  };
  return { client, sent };
}

describe("S3 retrieval of an archive-class object on a store without RestoreObject (s3rver)", () => {
  it("tries RestoreObject, is refused, and falls back to the copy; later restores copy at once", async () => {
    const options = s3Options();
    const raw = new S3Client({ endpoint: options.endpoint, region: options.region, forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });
    const { client, sent } = recording(raw);
    const storage = new S3SegmentStorage(options, client);
    clients.push(storage);
    const keys = [key.replace(".ts", "-g1.ts"), key.replace(".ts", "-g2.ts")];
    // Cold objects in GLACIER, as a store with archive classes keeps them (s3rver keeps the class of a PUT, not of a copy).
    for (const k of keys) await raw.send(new PutObjectCommand({ Bucket: options.bucket, Key: `gw2/cold/${k}`, Body: bytes, StorageClass: "GLACIER" }));
    expect((await raw.send(new HeadObjectCommand({ Bucket: options.bucket, Key: `gw2/cold/${keys[0]}` }))).StorageClass).toBe("GLACIER");

    expect(await storage.restore(keys[0]!, 7)).toBe("restored");
    expect(sent).toEqual(["HeadObjectCommand", "RestoreObjectCommand!NotImplemented", "CopyObjectCommand"]);
    expect((await storage.read(keys[0]!, "standard")).equals(bytes)).toBe(true);
    sent.length = 0;
    expect(await storage.restore(keys[1]!, 7)).toBe("restored");
    expect(sent).toEqual(["HeadObjectCommand", "CopyObjectCommand"]);
    expect((await storage.read(keys[1]!, "standard")).equals(bytes)).toBe(true);
  });
});

describe("S3 retrieval of an archive-class object (RestoreObject)", () => {
  const archived = key.replace(".ts", "-a.ts");
  const options = { region: "us-east-1", bucket: "b", accessKeyId: "k", secretAccessKey: "s", prefix: "gw/" };

  it("asks RestoreObject for Expiration days, reports restoring until the Restore header says ongoing-request=\"false\", then reads in place", async () => {
    const store = new FakeArchiveStore(`gw/cold/${archived}`, "GLACIER", bytes);
    const storage = new S3SegmentStorage(options, store);
    expect(await storage.restore(archived, 7)).toBe("restoring");
    expect(store.restores).toEqual([{ Key: `gw/cold/${archived}`, Days: 7, Tier: "Expedited" }]);
    await expect(storage.read(archived, "standard")).rejects.toBeInstanceOf(StorageMissingError);
    // The next passes while the store works: no second RestoreObject.
    expect(await storage.restore(archived, 7)).toBe("restoring");
    expect(store.restores).toHaveLength(1);
    store.finish();
    expect(await storage.restore(archived, 7)).toBe("restored");
    expect(store.restores).toHaveLength(1);
    expect((await storage.read(archived, "standard")).equals(bytes)).toBe(true);
    // A later task wanting it longer extends the restored copy with a new RestoreObject; a shorter one does not.
    expect(await storage.restore(archived, 30)).toBe("restored");
    expect(store.restores.at(-1)).toEqual({ Key: `gw/cold/${archived}`, Days: 30, Tier: "Expedited" });
    expect(await storage.restore(archived, 10)).toBe("restored");
    expect(store.restores).toHaveLength(2);
    await expect(storage.restore(key.replace(".ts", "-none.ts"), 7)).rejects.toBeInstanceOf(StorageMissingError);
  });

  it("asks the Standard tier for DEEP_ARCHIVE, which has no expedited one", async () => {
    const store = new FakeArchiveStore(`gw/cold/${archived}`, "DEEP_ARCHIVE", bytes);
    expect(await new S3SegmentStorage(options, store).restore(archived, 30)).toBe("restoring");
    expect(store.restores).toEqual([{ Key: `gw/cold/${archived}`, Days: 30, Tier: "Standard" }]);
  });
});
