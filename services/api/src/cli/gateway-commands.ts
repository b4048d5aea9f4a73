import { execFile } from "node:child_process";
import { createHash, createPublicKey } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Db } from "../db/database.js";
import { accounts } from "../db/schema.js";
import { readManifestSummary } from "../releases/bundle-manifest.js";
import { createGatewayKey } from "../store/gateway-keys.js";
import { findRelease, recordRelease } from "../store/releases.js";
import type { ParsedArgs } from "./args.js";

export const GATEWAY_USAGE = `  gateway key create --cluster CLUSTER_ID [--app APPID] [--ttl 24h]
                                                   single-use gateway activation key, shown once (ttl: 90s, 30m, 24h, 7d)
  release publish BUNDLE                           verify a release bundle, store it under IVC_VAR_DIR/releases; it becomes LatestVersion`;

export type GatewayCommandResult = { ok: true; lines: string[] } | { ok: false; reason: string };

export interface GatewayCommandEnv {
  readonly releasePublicKey: string | undefined;
  readonly varDir: string;
  /** deploy/release/ivc-release.mjs: the one implementation of bundle verification (also the boxes'). */
  readonly releaseTool: string;
}

const DEFAULT_RELEASE_TOOL = fileURLToPath(new URL("../../../../deploy/release/ivc-release.mjs", import.meta.url));

export function gatewayCommandEnv(env: NodeJS.ProcessEnv): GatewayCommandEnv {
  return {
    releasePublicKey: env.IVC_RELEASE_PUBLIC_KEY || undefined,
    varDir: env.IVC_VAR_DIR || "./var",
    releaseTool: env.IVC_RELEASE_TOOL || DEFAULT_RELEASE_TOOL,
  };
}

const DEFAULT_KEY_TTL = "24h";
const MAX_KEY_TTL_MS = 30 * 86_400_000;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** As the boxes' UPGRADE_MAX_BYTES default: a bundle no box would take is not published. */
const MAX_BUNDLE_BYTES = 512 * 1024 * 1024;

/** "90s", "30m", "24h", "7d" or bare seconds, up to 30 days. */
export function parseTtl(text: string): number | undefined {
  const m = /^(\d{1,7})([smhd]?)$/.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * (UNIT_MS[m[2] || "s"] ?? 1000);
  return ms > 0 && ms <= MAX_KEY_TTL_MS ? ms : undefined;
}

async function defaultAppId(db: Db): Promise<string | undefined> {
  const rows = await db.select({ appId: accounts.appId }).from(accounts).limit(2);
  return rows.length === 1 ? rows[0]?.appId : undefined;
}

async function createKeyCommand(db: Db, args: ParsedArgs): Promise<GatewayCommandResult> {
  const clusterId = args.flags.get("cluster");
  if (!clusterId) return { ok: false, reason: "gateway key create needs --cluster CLUSTER_ID (a service node id, see getuserregion)" };
  const appId = args.flags.get("app") || (await defaultAppId(db));
  if (!appId) return { ok: false, reason: "gateway key create needs --app APPID when there is not exactly one account" };
  const ttlMs = parseTtl(args.flags.get("ttl") ?? DEFAULT_KEY_TTL);
  if (ttlMs === undefined) return { ok: false, reason: "--ttl must be like 90s, 30m, 24h or 7d (at most 30 days)" };
  const issued = await createGatewayKey(db, appId, clusterId, ttlMs);
  return { ok: true, lines: [JSON.stringify({ GatewayKey: issued.key, AppId: issued.appId, ClusterId: issued.clusterId, ExpiresAt: issued.expiresAt.toISOString() })] };
}

/** IVC_RELEASE_PUBLIC_KEY as a key: a path to a PEM file, or the PEM (or its DER) in base64. */
export async function loadReleasePublicKey(value: string): Promise<KeyObject> {
  let key: KeyObject;
  if (existsSync(value)) {
    key = createPublicKey(await readFile(value));
  } else {
    const decoded = Buffer.from(value, "base64");
    key = decoded.toString("utf8").includes("-----BEGIN") ? createPublicKey(decoded) : createPublicKey({ key: decoded, format: "der", type: "spki" });
  }
  if (key.asymmetricKeyType !== "ed25519") throw new RangeError(`IVC_RELEASE_PUBLIC_KEY is a ${key.asymmetricKeyType ?? "symmetric"} key, not Ed25519`);
  return key;
}

const run = promisify(execFile);

async function publishCommand(db: Db, args: ParsedArgs, env: GatewayCommandEnv): Promise<GatewayCommandResult> {
  const bundlePath = args.positional[0];
  if (!bundlePath) return { ok: false, reason: "release publish needs a bundle file" };
  if (!env.releasePublicKey) return { ok: false, reason: "set IVC_RELEASE_PUBLIC_KEY to the release public key (PEM path or base64)" };
  const publicKey = await loadReleasePublicKey(env.releasePublicKey);
  if ((await stat(bundlePath)).size > MAX_BUNDLE_BYTES) return { ok: false, reason: `${bundlePath} is larger than ${MAX_BUNDLE_BYTES} bytes` };
  const bytes = await readFile(bundlePath);
  const summary = readManifestSummary(bytes);
  if (!summary.ok) return { ok: false, reason: `${bundlePath}: ${summary.reason}` };
  const { version } = summary.value;
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const published = await findRelease(db, version);
  if (published && published.sha256 !== sha256) return { ok: false, reason: `version ${version} is already published with other content` };

  const releasesDir = resolve(env.varDir, "releases");
  const keyDir = await mkdtemp(join(tmpdir(), "ivc-release-key-"));
  try {
    const pubPath = join(keyDir, "release.pub");
    await writeFile(pubPath, publicKey.export({ format: "pem", type: "spki" }));
    // The tool verifies signature and digests, then copies the bundle to <dir>/<version>.ivcb and rewrites latest.json.
    await run(process.execPath, [env.releaseTool, "publish", resolve(bundlePath), "--pub", pubPath, "--to", releasesDir]);
  } catch (err) {
    const stderr = (err as { stderr?: unknown }).stderr;
    return { ok: false, reason: typeof stderr === "string" && stderr.trim() !== "" ? stderr.trim() : `release tool failed: ${String(err)}` };
  } finally {
    await rm(keyDir, { recursive: true, force: true });
  }
  const file = `${version}.ivcb`;
  const stored = await readFile(join(releasesDir, file));
  if (createHash("sha256").update(stored).digest("hex") !== sha256) return { ok: false, reason: `${bundlePath} changed while it was being published; publish again` };
  const recorded = await recordRelease(db, { ...summary.value, file, sha256, size: stored.length });
  if (!recorded.ok) return recorded;
  return { ok: true, lines: [JSON.stringify({ LatestVersion: version, Services: summary.value.services, Sha256: sha256, File: join(releasesDir, file) })] };
}

/** `ivc gateway …` and `ivc release …`; undefined for any other command. */
export async function runGatewayCommand(db: Db, args: ParsedArgs, env: GatewayCommandEnv): Promise<GatewayCommandResult | undefined> {
  const command = [args.group, args.action, ...args.positional.slice(0, 1)].join(" ");
  if (command === "gateway key create") return createKeyCommand(db, args);
  if (`${args.group} ${args.action}` === "release publish") return publishCommand(db, args, env);
  return undefined;
}
