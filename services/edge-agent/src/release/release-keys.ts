import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";

/** A fresh Ed25519 release key pair as PEM (PKCS#8 private, SPKI public). */
export function generateReleaseKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
  };
}

function requireEd25519(key: KeyObject, path: string): KeyObject {
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`${path} holds a ${key.asymmetricKeyType ?? "symmetric"} key, not Ed25519`);
  return key;
}

export function loadReleasePrivateKey(path: string): KeyObject {
  return requireEd25519(createPrivateKey(readFileSync(path)), path);
}

/** The release public key a box was installed with (EDGE_RELEASE_PUBLIC_KEY). */
export function loadReleasePublicKey(path: string): KeyObject {
  return requireEd25519(createPublicKey(readFileSync(path)), path);
}
