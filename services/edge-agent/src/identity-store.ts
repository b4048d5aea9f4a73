import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gatewayActivate, hashGatewaySecret } from "@ivc/bus";

/** What activation gave the box: the platform's identity for it and its credentials. */
export type GatewayIdentity = ReturnType<typeof gatewayActivate.reply.parse> & { keyHash: string };

/** Left behind when the platform revoked the box, so the same (spent) key is not tried again. */
export interface RevocationMark {
  gwId: string;
  keyHash: string;
  reason?: string;
  at: number;
}

/** The spent key is remembered by its hash, the form the platform stores it in. */
export const keyHashOf = hashGatewaySecret;

/**
 * The box's identity on disk: `identity.json` (0600, it holds the credentials), `revoked.json`
 * after a revocation, and `machine-id`, created once and kept across re-activations so the
 * platform can tell a box activating twice.
 */
export class IdentityStore {
  constructor(readonly dir: string) {}

  async read(): Promise<GatewayIdentity | undefined> {
    const raw = await readJson(join(this.dir, "identity.json"));
    if (!raw || typeof raw !== "object") return undefined;
    const checked = gatewayActivate.reply.safeParse(raw);
    const keyHash = (raw as { keyHash?: unknown }).keyHash;
    return checked.success && typeof keyHash === "string" ? { ...checked.data, keyHash } : undefined;
  }

  async save(identity: GatewayIdentity): Promise<void> {
    await this.writePrivate("identity.json", identity);
    await rm(join(this.dir, "revoked.json"), { force: true });
  }

  /** Forgets the identity and remembers which key it came from. */
  async revoke(mark: RevocationMark): Promise<void> {
    await this.writePrivate("revoked.json", mark);
    await rm(join(this.dir, "identity.json"), { force: true });
  }

  async revocation(): Promise<RevocationMark | undefined> {
    const raw = (await readJson(join(this.dir, "revoked.json"))) as RevocationMark | undefined;
    return raw && typeof raw.keyHash === "string" && typeof raw.gwId === "string" ? raw : undefined;
  }

  async machineId(): Promise<string> {
    const path = join(this.dir, "machine-id");
    try {
      const id = (await readFile(path, "utf8")).trim();
      if (/^[A-Za-z0-9-]{8,64}$/.test(id)) return id;
    } catch {
      // first start
    }
    const id = randomUUID();
    await mkdir(this.dir, { recursive: true });
    await writeFile(path, `${id}\n`, { mode: 0o644 });
    return id;
  }

  /** Write-then-rename, created 0600, so credentials are never readable by others nor half-written. */
  private async writePrivate(name: string, value: unknown): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = join(this.dir, `.${name}.${process.pid}.tmp`);
    await writeFile(tmp, JSON.stringify(value, null, 2), { mode: 0o600 });
    await rename(tmp, join(this.dir, name));
  }
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, "utf8"));
  } catch {
    return undefined;
  }
}
