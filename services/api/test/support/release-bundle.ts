import { createHash, generateKeyPairSync, sign } from "node:crypto";
import type { KeyObject } from "node:crypto";

/**
 * Builds a bundle in the deploy/release/README.md format, so the API's tests need neither the
 * edge-agent's build nor its code: magic, manifest length, manifest, Ed25519 signature, files.
 */
export function releaseKeyPair(): { privateKey: KeyObject; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { privateKey, publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString() };
}

export function buildTestBundle(version: string, services: Record<string, string>, privateKey: KeyObject, notes = ""): Buffer {
  const data = Buffer.from(`console.log("edge ${version}");\n`);
  const main = "services/edge-agent/dist/main.js";
  const manifest = {
    format: 1,
    version,
    createdAt: Date.now(),
    notes,
    services: Object.fromEntries(Object.entries(services).map(([name, v]) => [name, { version: v, main, healthPort: 8082 }])),
    files: [{ path: main, size: data.length, sha256: createHash("sha256").update(data).digest("hex") }],
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(manifestBytes.length);
  return Buffer.concat([Buffer.from("IVCBNDL1"), length, manifestBytes, sign(null, manifestBytes, privateKey), data]);
}
