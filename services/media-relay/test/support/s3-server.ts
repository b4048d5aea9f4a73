import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-expect-error s3rver ships no type declarations
import S3rver from "s3rver";

export interface TestS3Server {
  endpoint: string;
  bucket: string;
  close(): Promise<void>;
}

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}

/** A real S3-compatible server (s3rver from npm) on a free loopback port, with one bucket. It checks no signature. */
export async function startS3Server(bucket = "recordings"): Promise<TestS3Server> {
  const directory = mkdtempSync(join(tmpdir(), "ivc-s3rver-"));
  const server = new (S3rver as new (options: object) => S3rverInstance)({ port: 0, address: "127.0.0.1", silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
