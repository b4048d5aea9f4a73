import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Which database the launcher chose for a gateway without DATABASE_URL, kept in
 * IVC_VAR_DIR/embedded-database.json. The choice is sticky: a later start (and the API's command
 * line run beside it) must use the same database, or it would see an empty one and hide the data.
 */
export type EmbeddedDatabaseRecord =
  | { kind: "pglite"; dir: string }
  /** `url` answers only while the launcher runs the server (Unix socket, no TCP). */
  | { kind: "postgresql"; clusterDir: string; url: string };

const FILE = "embedded-database.json";

export function readEmbeddedDatabase(varDir: string): EmbeddedDatabaseRecord | undefined {
  const file = join(varDir, FILE);
  if (!existsSync(file)) return undefined;
  const record = JSON.parse(readFileSync(file, "utf8")) as Partial<EmbeddedDatabaseRecord>;
  if (record.kind === "pglite" && typeof record.dir === "string") return record as EmbeddedDatabaseRecord;
  if (record.kind === "postgresql" && typeof record.clusterDir === "string" && typeof record.url === "string") return record as EmbeddedDatabaseRecord;
  throw new Error(`${file} in ${varDir} is not understood: ${JSON.stringify(record)}`);
}

export function writeEmbeddedDatabase(varDir: string, record: EmbeddedDatabaseRecord): void {
  writeFileSync(join(varDir, FILE), JSON.stringify(record, null, 2), { mode: 0o600 });
}
