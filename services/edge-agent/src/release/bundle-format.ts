import { createHash, sign, verify, type KeyObject } from "node:crypto";

/**
 * A release bundle is one file (`*.ivcb`), so a box downloads and verifies a single object:
 *
 *   offset 0   8 bytes   magic "IVCBNDL1"
 *   offset 8   4 bytes   M, manifest length, big-endian (at most MAX_MANIFEST_BYTES)
 *   offset 12  M bytes   manifest, UTF-8 JSON (BundleManifest)
 *   then       64 bytes  Ed25519 signature (RFC 8032) over exactly those M manifest bytes
 *   then                 the files' contents, concatenated in manifest.files order
 *
 * The signature covers the manifest, and the manifest holds each file's size and SHA-256, so one
 * signature check plus one digest per file proves every byte came from the release key's holder.
 */
export const BUNDLE_MAGIC = Buffer.from("IVCBNDL1", "ascii");
const HEADER_BYTES = BUNDLE_MAGIC.length + 4;
const SIGNATURE_BYTES = 64;
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** How a box runs one service of the bundle. */
export interface BundleService {
  version: string;
  /** Entry script, relative to the bundle root. */
  main: string;
  /** Port of its GET /healthz, checked after a restart. */
  healthPort: number;
  /** Variable through which the service learns its health port (e.g. "EDGE_HTTP_PORT"). */
  healthPortEnv?: string;
}

export interface BundleFile {
  path: string;
  size: number;
  sha256: string;
}

export interface BundleManifest {
  format: 1;
  /** The release version (what `gateway.upgrade` names). */
  version: string;
  createdAt: number;
  services: Record<string, BundleService>;
  files: BundleFile[];
  /** Release notes (G6 `UpgradeInfo`). */
  notes?: string;
}

export type BundleCheck<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface VerifiedBundle {
  manifest: BundleManifest;
  files: Array<{ path: string; data: Buffer }>;
}

const VERSION = /^[A-Za-z0-9._+-]{1,64}$/;
const SERVICE_NAME = /^[a-z0-9-]{1,40}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A relative POSIX path that stays inside the install directory (no "..", no absolute, no empty segments). */
export function isSafeBundlePath(path: string): boolean {
  if (path.length === 0 || path.length > 512 || path.startsWith("/") || path.includes("\\") || path.includes("\0")) return false;
  return path.split("/").every((seg) => seg !== "" && seg !== "." && seg !== "..");
}

export function sha256Hex(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function fail<T>(reason: string): BundleCheck<T> {
  return { ok: false, reason };
}

/** Checks the manifest's shape; a manifest from the network is untrusted until this says ok. */
export function checkManifest(value: unknown): BundleCheck<BundleManifest> {
  if (!value || typeof value !== "object") return fail("manifest is not an object");
  const m = value as Record<string, unknown>;
  if (m.format !== 1) return fail(`manifest format ${String(m.format)} is not 1`);
  if (typeof m.version !== "string" || !VERSION.test(m.version)) return fail("manifest version is missing or malformed");
  if (typeof m.createdAt !== "number" || !Number.isSafeInteger(m.createdAt)) return fail("manifest createdAt is not an integer");
  if (m.notes !== undefined && typeof m.notes !== "string") return fail("manifest notes is not a string");
  if (!Array.isArray(m.files)) return fail("manifest files is not a list");
  const seen = new Set<string>();
  for (const f of m.files as unknown[]) {
    const file = f as Record<string, unknown>;
    if (!file || typeof file.path !== "string" || !isSafeBundlePath(file.path)) return fail(`unsafe file path ${JSON.stringify(file?.path)}`);
    if (seen.has(file.path)) return fail(`file ${file.path} is listed twice`);
    seen.add(file.path);
    if (typeof file.size !== "number" || !Number.isSafeInteger(file.size) || file.size < 0) return fail(`file ${file.path} has no valid size`);
    if (typeof file.sha256 !== "string" || !SHA256_HEX.test(file.sha256)) return fail(`file ${file.path} has no valid sha256`);
  }
  if (!m.services || typeof m.services !== "object") return fail("manifest services is not an object");
  for (const [name, s] of Object.entries(m.services as Record<string, unknown>)) {
    const svc = s as Record<string, unknown>;
    if (!SERVICE_NAME.test(name)) return fail(`service name ${JSON.stringify(name)} is malformed`);
    if (!svc || typeof svc.version !== "string" || !VERSION.test(svc.version)) return fail(`service ${name} has no valid version`);
    if (typeof svc.main !== "string" || !seen.has(svc.main)) return fail(`service ${name} main is not a file of the bundle`);
    if (typeof svc.healthPort !== "number" || !Number.isInteger(svc.healthPort) || svc.healthPort < 1 || svc.healthPort > 65535) {
      return fail(`service ${name} has no valid healthPort`);
    }
    if (svc.healthPortEnv !== undefined && (typeof svc.healthPortEnv !== "string" || !/^[A-Z][A-Z0-9_]*$/.test(svc.healthPortEnv))) {
      return fail(`service ${name} healthPortEnv is malformed`);
    }
  }
  return { ok: true, value: m as unknown as BundleManifest };
}

/** Builds the manifest for `files` and the signed container around it. */
export function encodeBundle(
  meta: { version: string; services: Record<string, BundleService>; notes?: string; createdAt?: number },
  files: Array<{ path: string; data: Buffer }>,
  privateKey: KeyObject,
): Buffer {
  const manifest: BundleManifest = {
    format: 1,
    version: meta.version,
    createdAt: meta.createdAt ?? Date.now(),
    services: meta.services,
    files: files.map((f) => ({ path: f.path, size: f.data.length, sha256: sha256Hex(f.data) })),
    ...(meta.notes !== undefined ? { notes: meta.notes } : {}),
  };
  const checked = checkManifest(manifest);
  if (!checked.ok) throw new Error(`cannot build bundle: ${checked.reason}`);
  const manifestBytes = Buffer.from(JSON.stringify(manifest), "utf8");
  if (manifestBytes.length > MAX_MANIFEST_BYTES) throw new Error("cannot build bundle: manifest too large");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(manifestBytes.length);
  const signature = sign(null, manifestBytes, privateKey);
  return Buffer.concat([BUNDLE_MAGIC, length, manifestBytes, signature, ...files.map((f) => f.data)]);
}

/**
 * Verifies a downloaded bundle: framing, the Ed25519 signature with the release public key, the
 * manifest's shape, then every file's size and SHA-256. Nothing of it is trusted before ok.
 */
export function verifyBundle(bytes: Buffer, publicKey: KeyObject): BundleCheck<VerifiedBundle> {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, BUNDLE_MAGIC.length).equals(BUNDLE_MAGIC)) return fail("not a bundle (bad magic)");
  const manifestLength = bytes.readUInt32BE(BUNDLE_MAGIC.length);
  if (manifestLength > MAX_MANIFEST_BYTES) return fail("manifest length exceeds the limit");
  const signatureAt = HEADER_BYTES + manifestLength;
  const payloadAt = signatureAt + SIGNATURE_BYTES;
  if (bytes.length < payloadAt) return fail("bundle is truncated before its signature");
  const manifestBytes = bytes.subarray(HEADER_BYTES, signatureAt);
  const signature = bytes.subarray(signatureAt, payloadAt);
  if (!verify(null, manifestBytes, publicKey, signature)) return fail("bad signature: the manifest is not signed by the release key");
  let parsed: unknown;
  try {
    parsed = JSON.parse(manifestBytes.toString("utf8"));
  } catch {
    return fail("manifest is not JSON");
  }
  const manifest = checkManifest(parsed);
  if (!manifest.ok) return manifest;
  const files: Array<{ path: string; data: Buffer }> = [];
  let offset = payloadAt;
  for (const file of manifest.value.files) {
    if (offset + file.size > bytes.length) return fail(`bundle is truncated inside ${file.path}`);
    const data = bytes.subarray(offset, offset + file.size);
    offset += file.size;
    if (sha256Hex(data) !== file.sha256) return fail(`bad digest: ${file.path} does not match its sha256`);
    files.push({ path: file.path, data });
  }
  if (offset !== bytes.length) return fail(`bundle has ${bytes.length - offset} trailing bytes`);
  return { ok: true, value: { manifest: manifest.value, files } };
}
