/**
 * The manifest of a release bundle (deploy/release/README.md), read without checking the signature:
 *
 *   offset 0   8 bytes  magic "IVCBNDL1"
 *   offset 8   4 bytes  M, manifest length, big-endian
 *   offset 12  M bytes  manifest, UTF-8 JSON
 *
 * Only what the platform records (version, service versions, notes) is taken. The signature and
 * digests are checked by `deploy/release/ivc-release.mjs`, the tool the boxes' code comes from.
 */
const MAGIC = Buffer.from("IVCBNDL1", "ascii");
const HEADER_BYTES = MAGIC.length + 4;
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const VERSION = /^[A-Za-z0-9._+-]{1,64}$/;
const SERVICE_NAME = /^[a-z0-9-]{1,40}$/;

export interface ManifestSummary {
  readonly version: string;
  readonly services: Record<string, string>;
  readonly notes: string;
}

export function readManifestSummary(bytes: Buffer): { ok: true; value: ManifestSummary } | { ok: false; reason: string } {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return { ok: false, reason: "not a release bundle (bad magic)" };
  const length = bytes.readUInt32BE(MAGIC.length);
  if (length > MAX_MANIFEST_BYTES || bytes.length < HEADER_BYTES + length) return { ok: false, reason: "manifest length is out of bounds" };
  let manifest: unknown;
  try {
    manifest = JSON.parse(bytes.subarray(HEADER_BYTES, HEADER_BYTES + length).toString("utf8"));
  } catch {
    return { ok: false, reason: "manifest is not JSON" };
  }
  const m = (manifest ?? {}) as { version?: unknown; services?: unknown; notes?: unknown };
  if (typeof m.version !== "string" || !VERSION.test(m.version)) return { ok: false, reason: "manifest version is missing or malformed" };
  if (!m.services || typeof m.services !== "object") return { ok: false, reason: "manifest services is not an object" };
  const services: Record<string, string> = {};
  for (const [name, service] of Object.entries(m.services)) {
    const version = (service as { version?: unknown } | null)?.version;
    if (!SERVICE_NAME.test(name) || typeof version !== "string" || !VERSION.test(version)) return { ok: false, reason: `service ${JSON.stringify(name)} is malformed` };
    services[name] = version;
  }
  return { ok: true, value: { version: m.version, services, notes: typeof m.notes === "string" ? m.notes : "" } };
}
