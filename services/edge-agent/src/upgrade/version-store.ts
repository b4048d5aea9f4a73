import { randomBytes } from "node:crypto";
import { mkdir, readFile, readdir, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { checkManifest, type BundleManifest, type VerifiedBundle } from "../release/bundle-format.js";

/**
 * The box's installed releases:
 *
 *   <root>/versions/<version>/…          one directory per installed release
 *   <root>/versions/<version>/.manifest.json
 *   <root>/current -> versions/<version>  what runs (services start through this link)
 *
 * A new release is written to `versions/.<version>.partial-<rand>` and renamed into place, so a
 * power cut never leaves a half-written version under its real name. The switch writes a new
 * symlink beside `current` and renames it over `current`: rename(2) replaces atomically, so at any
 * moment `current` names one complete version.
 */
export class VersionStore {
  constructor(readonly root: string) {}

  get currentLink(): string {
    return join(this.root, "current");
  }

  versionDir(version: string): string {
    return join(this.root, "versions", version);
  }

  /** The version `current` points at, or undefined on a box with nothing installed. */
  async currentVersion(): Promise<string | undefined> {
    try {
      const target = await readlink(this.currentLink);
      const parts = target.split("/");
      return parts[parts.length - 1] || undefined;
    } catch {
      return undefined;
    }
  }

  async manifestOf(version: string): Promise<BundleManifest | undefined> {
    try {
      const checked = checkManifest(JSON.parse(await readFile(join(this.versionDir(version), ".manifest.json"), "utf8")));
      return checked.ok ? checked.value : undefined;
    } catch {
      return undefined;
    }
  }

  /** Writes a verified bundle beside the running version; an existing copy of that version is replaced. */
  async install(bundle: VerifiedBundle): Promise<string> {
    const version = bundle.manifest.version;
    const versions = join(this.root, "versions");
    const staging = join(versions, `.${version}.partial-${randomBytes(4).toString("hex")}`);
    await mkdir(staging, { recursive: true });
    try {
      for (const file of bundle.files) {
        const target = join(staging, file.path);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, file.data, { mode: 0o644 });
      }
      await writeFile(join(staging, ".manifest.json"), JSON.stringify(bundle.manifest, null, 2));
      await rm(this.versionDir(version), { recursive: true, force: true });
      await rename(staging, this.versionDir(version));
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
    return this.versionDir(version);
  }

  /** Points `current` at `version` in one rename. */
  async switchTo(version: string): Promise<void> {
    const next = join(this.root, `.current-${randomBytes(4).toString("hex")}`);
    await symlink(join("versions", version), next);
    try {
      await rename(next, this.currentLink);
    } catch (err) {
      await rm(next, { force: true });
      throw err;
    }
  }

  /**
   * Before the agent exits to restart as a new version of itself: deploy/edge/ivc-edge-guard.mjs
   * (systemd ExecStartPre) counts starts while this mark exists and switches back to `previous`
   * after too many, since a new agent that cannot start cannot roll itself back.
   */
  async markSelfPending(previous: string, version: string): Promise<void> {
    await writeFile(join(this.root, "pending-self.json"), JSON.stringify({ previous, version, attempts: 0 }));
  }

  /** The new agent runs: the switch is final. */
  async commitSelfPending(): Promise<void> {
    await rm(join(this.root, "pending-self.json"), { force: true });
  }

  /** What the guard left after switching back from an agent that would not start, read once. */
  async takeSelfRollback(): Promise<{ version: string; previous: string; reason: string } | undefined> {
    const path = join(this.root, "self-rollback.json");
    try {
      const raw = JSON.parse(await readFile(path, "utf8")) as { version?: unknown; previous?: unknown; reason?: unknown };
      await rm(path, { force: true });
      if (typeof raw.version !== "string" || typeof raw.previous !== "string") return undefined;
      return { version: raw.version, previous: raw.previous, reason: typeof raw.reason === "string" ? raw.reason : "the new agent did not start" };
    } catch {
      return undefined;
    }
  }

  /** Removes installed versions other than `keep` (the running one and the rollback target). */
  async prune(keep: readonly string[]): Promise<void> {
    let entries: string[];
    try {
      entries = await readdir(join(this.root, "versions"));
    } catch {
      return;
    }
    for (const name of entries) {
      if (!keep.includes(name)) await rm(join(this.root, "versions", name), { recursive: true, force: true });
    }
  }
}
