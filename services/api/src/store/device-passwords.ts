import type { SecretBox } from "../accounts/secret-box.js";

/**
 * Device passwords at rest are sealed with the master key like API secret keys; "" — no password
 * (RTMP and gateway devices) — is kept as "". The account still reads its passwords (describe, list)
 * and the sip-server gets them over the bus; only the database holds them sealed.
 */
export function sealDevicePassword(box: SecretBox, plain: string): string {
  return plain === "" ? "" : box.seal(plain);
}

export function openDevicePassword(box: SecretBox, stored: string): string {
  if (stored === "") return "";
  const plain = box.open(stored);
  if (plain === undefined) throw new Error("a device password was sealed with another master key (IVC_MASTER_KEY or master.key changed)");
  return plain;
}
