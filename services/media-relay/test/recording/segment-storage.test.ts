import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiskSegmentStorage } from "../../src/recording/storage/disk-storage.js";
import { S3SegmentStorage } from "../../src/recording/storage/s3-storage.js";
import { segmentKey, StorageMissingError, type SegmentStorage } from "../../src/recording/storage/segment-storage.js";
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
      await storage.restore(restoredKey);
      await storage.restore(restoredKey); // a repeated pass is harmless
      expect((await storage.read(restoredKey, "standard")).equals(bytes)).toBe(true);
      expect((await storage.read(restoredKey, "cold")).equals(bytes)).toBe(true);
      await storage.remove(restoredKey, "standard");
      await expect(storage.read(restoredKey, "standard")).rejects.toBeInstanceOf(StorageMissingError);
      expect((await storage.read(restoredKey, "cold")).equals(bytes)).toBe(true);
      await expect(storage.restore(key.replace(".ts", "-none.ts"))).rejects.toBeInstanceOf(StorageMissingError);
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
