import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM sealing of key secrets at rest; the master key never enters the database. */
export interface SecretBox {
  seal(plain: string): string;
  /** `undefined` when the text was not sealed by this master key (tampered or rotated). */
  open(sealed: string): string | undefined;
  /**
   * HMAC-SHA256 of `text` under a key derived from the master key for `purpose` (HKDF), e.g.
   * download URLs: every API instance with the same master key signs and verifies alike, and no
   * key of one purpose can forge another's.
   */
  mac(purpose: string, text: string): Buffer;
}

/**
 * Opened values remembered per box: a device list opens one password per row, and a cipher per
 * value was a tenth of a list request's CPU. The process holds the master key anyway, so keeping
 * what it opened adds no exposure; the same sealed text always opens to the same value.
 */
const REMEMBERED_OPENINGS = 20_000;

export function createSecretBox(masterKey: Buffer): SecretBox {
  if (masterKey.length !== 32) throw new RangeError("master key must be 32 bytes");
  const opened = new Map<string, string>();
  const remember = (sealed: string, plain: string): string => {
    // Map keeps insertion order: the first entry is the oldest.
    if (opened.size >= REMEMBERED_OPENINGS) opened.delete(opened.keys().next().value as string);
    opened.set(sealed, plain);
    return plain;
  };
  const macKeys = new Map<string, Buffer>();
  const macKey = (purpose: string): Buffer => {
    let key = macKeys.get(purpose);
    if (key === undefined) {
      key = Buffer.from(hkdfSync("sha256", masterKey, Buffer.alloc(0), `ivc ${purpose}`, 32));
      macKeys.set(purpose, key);
    }
    return key;
  };
  return {
    mac(purpose, text) {
      return createHmac("sha256", macKey(purpose)).update(text, "utf8").digest();
    },
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", masterKey, iv);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
    },
    open(sealed) {
      const known = opened.get(sealed);
      if (known !== undefined) return known;
      const [version, payload] = sealed.split(":");
      if (version !== VERSION || payload === undefined) return undefined;
      const bytes = Buffer.from(payload, "base64");
      if (bytes.length < IV_BYTES + TAG_BYTES) return undefined;
      try {
        const decipher = createDecipheriv("aes-256-gcm", masterKey, bytes.subarray(0, IV_BYTES));
        decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return remember(sealed, Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8"));
      } catch {
        return undefined;
      }
    },
  };
}
