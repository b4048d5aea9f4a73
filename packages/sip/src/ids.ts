import { randomBytes } from "node:crypto";
import { BRANCH_MAGIC_COOKIE } from "./via.js";

/** An RFC 3261 §8.1.1.7 branch: magic cookie + random, unique per transaction. */
export function generateBranch(): string {
  return `${BRANCH_MAGIC_COOKIE}${randomBytes(10).toString("hex")}`;
}

/** A From/To tag (§19.3: at least 32 bits of randomness). */
export function generateTag(): string {
  return randomBytes(6).toString("hex");
}

export function generateCallId(host?: string): string {
  const id = randomBytes(12).toString("hex");
  return host ? `${id}@${host}` : id;
}
