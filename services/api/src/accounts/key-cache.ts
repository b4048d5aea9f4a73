import type { VerificationKey } from "./keys.js";

export type KeyLookup = (secretId: string) => Promise<VerificationKey | undefined>;

export interface KeyCacheOptions {
  /** How long a found key is trusted without the database: also the longest delay before a revocation bites. */
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly now?: () => number;
}

/**
 * Remembers found keys briefly so a signed request costs no key query and no decryption; unknown
 * SecretIds are not remembered, so a key created by the CLI works at once.
 */
export function cachedKeyLookup(lookup: KeyLookup, options: KeyCacheOptions): KeyLookup {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { key: VerificationKey; until: number }>();
  return async (secretId) => {
    const hit = entries.get(secretId);
    if (hit && hit.until > now()) return hit.key;
    entries.delete(secretId);
    const key = await lookup(secretId);
    if (key) {
      // Map keeps insertion order: the first entry is the oldest.
      if (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value as string);
      entries.set(secretId, { key, until: now() + options.ttlMs });
    }
    return key;
  };
}
