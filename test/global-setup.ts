import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureTestPostgres } from "./support/postgres.js";
import { ensureNats, ensureRedis, stopInfra, type InfraProcess } from "../packages/launcher/src/infra.js";

/**
 * The suite runs against real NATS, Redis and PostgreSQL. When none answers at NATS_URL / REDIS_URL
 * (a fresh machine), start them for the run, the same way `npm start` does; PostgreSQL likewise
 * (test/support/postgres.ts). Everything started here is stopped afterwards.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const natsUrl = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const varDir = mkdtempSync(join(tmpdir(), "ivc-test-infra-"));
  const started: InfraProcess[] = [];
  for (const proc of [await ensureNats(natsUrl, varDir), await ensureRedis(redisUrl, varDir)]) {
    if (proc) started.push(proc);
  }
  const postgres = await ensureTestPostgres();
  process.env.TEST_DATABASE_URL = postgres.url;
  process.env.NATS_URL = natsUrl;
  process.env.REDIS_URL = redisUrl;
  return async () => {
    postgres.stop();
    for (const proc of started.reverse()) await stopInfra(proc);
    rmSync(varDir, { recursive: true, force: true });
  };
}
